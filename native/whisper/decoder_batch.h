#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include <openvino/runtime/compiled_model.hpp>

#include "scheduler/compute_gate.h"

#include "common/lane_variants.h"

namespace ovspeech::whisper {

// A window being decoded in a DecoderBatch, owned by the thread that decodes it.
struct BatchRow {
    std::vector<ov::Tensor> cross_kv;       // the window's cross-attention keys and values, [1, heads, frames, dim] each
    std::vector<ov::Tensor> prompt_caches;  // its self-attention caches after the prompt, by query_state() order
    size_t length = 0;                      // tokens in its self-attention cache
    int64_t token = 0;                      // the token of the next step
    std::vector<float> logits;              // the last step's logits

    // Kept by the batch.
    bool in_batch = false;
    bool submitted = false;
    bool ready = false;
    std::exception_ptr error;
};

struct DecoderBatchStats {
    size_t steps = 0;      // batched inferences
    size_t row_steps = 0;  // rows stepped, summed over them
    size_t max_rows = 0;   // the most rows one inference stepped
};

// Continuous batching of decoder steps: every row in the batch steps one token per inference, whatever its
// position. A row joins with the caches of its prompt (decoded alone, so that its logits are those of an
// unbatched decoder), at the first step after it asks; a row that leaves is dropped through beam_idx.
// The thread whose row completes the set of waiting rows runs the inference, in the compute gate's second
// turn: on every core when it steps one row and nothing else runs, else on one lane (design and
// measurements in native/scheduler/README.md).
class DecoderBatch {
public:
    // `decoder` is made by make_batchable(); `compute` is held around each inference, so that the model's
    // inferences never compete for the same cores.
    DecoderBatch(const LaneVariants& decoder, size_t cross_inputs, ComputeGate& compute);

    // Sets row.token, waits for the next batched step and returns with row.logits filled. The first call
    // after the row's prompt joins the batch. Throws what the inference throws (to every row of that step).
    void step(BatchRow& row, int64_t token);
    // Takes the row out of the batch, if in it. Must be called by its thread between steps.
    void leave(BatchRow& row);

    DecoderBatchStats stats() const;
    // Rows in the batch or joining it.
    size_t rows() const;

private:
    bool all_submitted() const;
    void run(std::unique_lock<std::mutex>& lock);
    void merge_joining(ov::InferRequest& request);
    void move_state(ov::InferRequest& request);
    void move_cross_kv(size_t from, size_t to);
    void reserve_cross_kv(size_t rows, const BatchRow& example);

    mutable std::mutex mutex_;
    std::condition_variable stepped_;
    ComputeGate& compute_;
    LaneRequests requests_;
    bool state_wide_ = true;  // which of requests_ holds the rows' self-attention caches
    size_t cross_inputs_;
    std::vector<BatchRow*> rows_;  // the next step's rows, in cross-attention slot order
    std::vector<int32_t> beam_;    // for each of rows_, its row in the request's state
    std::vector<BatchRow*> joining_;
    size_t cache_length_ = 0;  // slots in the self-attention cache, shared by the rows (each uses its last `length`)
    size_t submitted_ = 0;
    bool running_ = false;
    bool reserved_ = false;                // whether it counts as a user of the compute gate's second turn
    std::vector<ov::Tensor> cross_slots_;  // per cross input: [capacity, heads, frames, dim]
    size_t capacity_ = 0;
    DecoderBatchStats stats_;
};

// A model's decoder batches: one per lane of its compute gate, so that under load two narrow steps run side
// by side instead of one leaving the other lane idle; a window joins the one with fewer rows.
class DecoderBatches {
public:
    DecoderBatches(const LaneVariants& decoder, size_t cross_inputs, ComputeGate& compute);

    // The batch a window about to join should join.
    DecoderBatch& emptiest();
    // Summed over the batches (max_rows: the most of any).
    DecoderBatchStats stats() const;

private:
    std::vector<std::unique_ptr<DecoderBatch>> batches_;
};

}  // namespace ovspeech::whisper
