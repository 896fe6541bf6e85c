#include "whisper/decoder_batch.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "common/error.h"
#include "whisper/batched_decoder_graph.h"
#include "whisper/whisper_decoder.h"

namespace ovspeech::whisper {
namespace {

size_t row_bytes(const ov::Tensor& tensor) {
    return tensor.get_byte_size() / tensor.get_shape().at(0);
}

// Copies `from`'s last `tokens` slots of row `from_row` into the last `tokens` slots of `to`'s row `to_row`
// ([rows, heads, slots, dim] caches of one element type).
void copy_cache_tail(const ov::Tensor& from, size_t from_row, ov::Tensor& to, size_t to_row, size_t tokens) {
    const ov::Shape& a = from.get_shape();
    const ov::Shape& b = to.get_shape();
    const size_t element = from.get_element_type().size();
    const size_t slot = a[3] * element;
    const auto* source = static_cast<const uint8_t*>(from.data());
    auto* target = static_cast<uint8_t*>(to.data());
    for (size_t head = 0; head < a[1]; ++head) {
        const size_t from_offset = ((from_row * a[1] + head) * a[2] + (a[2] - tokens)) * slot;
        const size_t to_offset = ((to_row * b[1] + head) * b[2] + (b[2] - tokens)) * slot;
        std::memcpy(target + to_offset, source + from_offset, tokens * slot);
    }
}

}  // namespace

DecoderBatch::DecoderBatch(const LaneVariants& decoder, size_t cross_inputs, ComputeGate& compute)
    : compute_(compute), requests_(decoder), cross_inputs_(cross_inputs) {}

DecoderBatchStats DecoderBatch::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

size_t DecoderBatch::rows() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return rows_.size() + joining_.size();
}

bool DecoderBatch::all_submitted() const {
    return submitted_ > 0 && submitted_ == rows_.size() + joining_.size();
}

void DecoderBatch::step(BatchRow& row, int64_t token) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!row.in_batch) {
        if (row.prompt_caches.empty() || row.cross_kv.size() != cross_inputs_)
            throw Error(ErrorCode::Internal, "a row joined a decoder batch without its prompt");
        row.in_batch = true;
        joining_.push_back(&row);
        if (!reserved_) compute_.reserve_second(reserved_ = true);
    }
    row.token = token;
    row.submitted = true;
    row.ready = false;
    row.error = nullptr;
    ++submitted_;
    while (!row.ready) {
        if (!running_ && all_submitted()) {
            run(lock);
        } else {
            stepped_.wait(lock);
        }
    }
    if (row.error) std::rethrow_exception(row.error);
}

void DecoderBatch::leave(BatchRow& row) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!row.in_batch) return;
    row.in_batch = false;
    if (row.submitted) throw Error(ErrorCode::Internal, "a row left a decoder batch while waiting for a step");
    if (const auto joining = std::find(joining_.begin(), joining_.end(), &row); joining != joining_.end()) {
        joining_.erase(joining);
    } else {
        // The last row takes the leaving row's slot, so that one row's cross-attention keys and values move.
        const size_t index = std::find(rows_.begin(), rows_.end(), &row) - rows_.begin();
        const size_t last = rows_.size() - 1;
        if (index != last) {
            move_cross_kv(last, index);
            rows_[index] = rows_[last];
            beam_[index] = beam_[last];
        }
        rows_.pop_back();
        beam_.pop_back();
    }
    if (rows_.empty() && joining_.empty() && reserved_) compute_.reserve_second(reserved_ = false);
    // The rows left may all be waiting for this one.
    stepped_.notify_all();
}

void DecoderBatch::run(std::unique_lock<std::mutex>& lock) {
    (void)lock;  // held throughout: rows cannot join or leave during a step
    running_ = true;
    std::exception_ptr error;
    try {
        // One row alone may take every core; more rows step on one lane (README.md: memory under CPU load).
        const ComputeGate::Hold compute(compute_, ComputeGate::Turn::Second, rows_.size() + joining_.size() == 1);
        ov::InferRequest& request = requests_.get(compute.wide());
        if (!joining_.empty()) {
            merge_joining(request);
        } else if (compute.wide() != state_wide_) {
            move_state(request);
        }
        state_wide_ = compute.wide();
        const size_t rows = rows_.size();
        const size_t length = cache_length_ + 1;
        ov::Tensor ids(ov::element::i64, ov::Shape{rows, 1});
        ov::Tensor positions(ov::element::i64, ov::Shape{rows, 1});
        ov::Tensor mask(ov::element::f32, ov::Shape{rows, 1, 1, length});
        float* mask_data = mask.data<float>();
        for (size_t i = 0; i < rows; ++i) {
            const BatchRow& row = *rows_[i];
            ids.data<int64_t>()[i] = row.token;
            positions.data<int64_t>()[i] = static_cast<int64_t>(row.length);
            // A row sees its own tokens only: the last `length` slots of the cache, and this step's.
            float* row_mask = mask_data + i * length;
            std::fill(row_mask, row_mask + length, -std::numeric_limits<float>::infinity());
            std::fill(row_mask + (cache_length_ - row.length), row_mask + length, 0.0f);
        }
        request.set_tensor("input_ids", ids);
        request.set_tensor(kPositionIds, positions);
        request.set_tensor(kAttentionMask, mask);
        request.set_tensor("beam_idx", ov::Tensor(ov::element::i32, ov::Shape{rows}, beam_.data()));
        set_logit_positions(request, {});
        for (size_t i = 0; i < cross_inputs_; ++i) {
            ov::Shape shape = cross_slots_[i].get_shape();
            shape[0] = rows;
            request.set_tensor(cross_kv_input(i), ov::Tensor(cross_slots_[i].get_element_type(), shape, cross_slots_[i].data()));
        }
        request.infer();
        const ov::Tensor logits = request.get_tensor("logits");
        const size_t vocab = logits.get_shape().back();
        const float* data = logits.data<const float>();
        for (size_t i = 0; i < rows; ++i) {
            BatchRow& row = *rows_[i];
            row.logits.assign(data + i * vocab, data + (i + 1) * vocab);
            ++row.length;
            beam_[i] = static_cast<int32_t>(i);
        }
        ++cache_length_;
        ++stats_.steps;
        stats_.row_steps += rows;
        stats_.max_rows = std::max(stats_.max_rows, rows);
    } catch (...) {
        error = std::current_exception();
    }
    for (BatchRow* row : rows_) {
        row->ready = true;
        row->submitted = false;
        row->error = error;
    }
    for (BatchRow* row : joining_) {  // only when merging failed
        row->ready = true;
        row->submitted = false;
        row->error = error;
    }
    submitted_ = 0;
    running_ = false;
    stepped_.notify_all();
}

// Writes `request`'s state: the rows' caches (from whichever request holds them) with the joining rows'.
void DecoderBatch::merge_joining(ov::InferRequest& request) {
    // Every row's tokens end at the cache's last slot; the cache keeps as many slots as the longest row needs.
    size_t length = 0;
    for (const BatchRow* row : rows_) length = std::max(length, row->length);
    for (const BatchRow* row : joining_) length = std::max(length, row->length);
    const size_t rows = rows_.size() + joining_.size();
    reserve_cross_kv(rows, *joining_.front());

    std::vector<ov::VariableState> states = request.query_state();
    const std::vector<ov::VariableState> current_states = requests_.get(state_wide_).query_state();
    for (size_t s = 0; s < states.size(); ++s) {
        const ov::Tensor& prompt = joining_.front()->prompt_caches.at(s);
        ov::Shape shape = prompt.get_shape();
        shape[0] = rows;
        shape[2] = length;
        ov::Tensor merged(prompt.get_element_type(), shape);
        std::memset(merged.data(), 0, merged.get_byte_size());
        if (!rows_.empty()) {
            const ov::Tensor current = current_states[s].get_state();
            for (size_t i = 0; i < rows_.size(); ++i) copy_cache_tail(current, beam_[i], merged, i, rows_[i]->length);
        }
        for (size_t j = 0; j < joining_.size(); ++j) {
            const ov::Tensor& caches = joining_[j]->prompt_caches.at(s);
            copy_cache_tail(caches, 0, merged, rows_.size() + j, joining_[j]->length);
        }
        states[s].set_state(merged);
    }
    for (BatchRow* row : joining_) {
        const size_t slot = rows_.size();
        for (size_t i = 0; i < cross_inputs_; ++i) {
            std::memcpy(static_cast<uint8_t*>(cross_slots_[i].data()) + slot * row_bytes(cross_slots_[i]), row->cross_kv[i].data(),
                        row->cross_kv[i].get_byte_size());
        }
        rows_.push_back(row);
        row->prompt_caches.clear();
    }
    joining_.clear();
    beam_.resize(rows_.size());
    for (size_t i = 0; i < beam_.size(); ++i) beam_[i] = static_cast<int32_t>(i);
    cache_length_ = length;
}

// The rows step on the other variant from now on: their caches move to its request's state.
void DecoderBatch::move_state(ov::InferRequest& request) {
    if (rows_.empty()) return;
    std::vector<ov::VariableState> states = request.query_state();
    const std::vector<ov::VariableState> current_states = requests_.get(state_wide_).query_state();
    for (size_t s = 0; s < states.size(); ++s) states[s].set_state(current_states[s].get_state());
}

void DecoderBatch::move_cross_kv(size_t from, size_t to) {
    for (auto& slots : cross_slots_) {
        const size_t bytes = row_bytes(slots);
        auto* data = static_cast<uint8_t*>(slots.data());
        std::memcpy(data + to * bytes, data + from * bytes, bytes);
    }
}

void DecoderBatch::reserve_cross_kv(size_t rows, const BatchRow& example) {
    if (rows <= capacity_) return;
    const size_t capacity = std::max(rows, capacity_ * 2);
    std::vector<ov::Tensor> slots;
    for (size_t i = 0; i < cross_inputs_; ++i) {
        ov::Shape shape = example.cross_kv.at(i).get_shape();
        shape[0] = capacity;
        ov::Tensor grown(example.cross_kv[i].get_element_type(), shape);
        if (capacity_ > 0) std::memcpy(grown.data(), cross_slots_[i].data(), rows_.size() * row_bytes(grown));
        slots.push_back(grown);
    }
    cross_slots_ = std::move(slots);
    capacity_ = capacity;
}

DecoderBatches::DecoderBatches(const LaneVariants& decoder, size_t cross_inputs, ComputeGate& compute) {
    const size_t count = decoder.narrow ? ComputeGate::kLanes : 1;
    for (size_t i = 0; i < count; ++i) batches_.push_back(std::make_unique<DecoderBatch>(decoder, cross_inputs, compute));
}

DecoderBatch& DecoderBatches::emptiest() {
    DecoderBatch* emptiest = batches_.front().get();
    size_t fewest = emptiest->rows();
    for (const auto& batch : batches_) {
        if (const size_t rows = batch->rows(); rows < fewest) {
            emptiest = batch.get();
            fewest = rows;
        }
    }
    return *emptiest;
}

DecoderBatchStats DecoderBatches::stats() const {
    DecoderBatchStats total;
    for (const auto& batch : batches_) {
        const DecoderBatchStats stats = batch->stats();
        total.steps += stats.steps;
        total.row_steps += stats.row_steps;
        total.max_rows = std::max(total.max_rows, stats.max_rows);
    }
    return total;
}

}  // namespace ovspeech::whisper
