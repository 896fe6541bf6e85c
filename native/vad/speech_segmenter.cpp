#include "vad/speech_segmenter.h"

#include <algorithm>
#include <string>

#include "common/error.h"

namespace ovspeech::vad {
namespace {

// A pause at least this long is where a span over the length limit may be cut (Silero's
// min_silence_at_max_speech).
constexpr int64_t kMinCutPauseMs = 98;

int64_t samples_of(int64_t ms) {
    return ms * kSampleRate / 1000;
}

void require(bool holds, const std::string& option, const std::string& range) {
    if (!holds) throw Error(ErrorCode::InvalidArgument, option + " must be " + range, option);
}

}  // namespace

float SegmenterOptions::end_threshold() const {
    return neg_threshold.value_or(std::max(threshold - 0.15f, 0.01f));
}

void SegmenterOptions::check() const {
    require(threshold > 0 && threshold <= 1, "threshold", "above 0 and at most 1");
    if (neg_threshold) require(*neg_threshold >= 0 && *neg_threshold <= threshold, "neg_threshold", "from 0 to threshold");
    require(min_speech_ms >= 0, "min_speech_duration_ms", "0 or more");
    require(min_silence_ms >= 0, "silence_duration_ms", "0 or more");
    require(speech_pad_ms >= 0, "prefix_padding_ms", "0 or more");
    require(max_speech_ms == 0 || max_speech_ms * kSampleRate / 1000 >= kFrameSamples, "max_speech_duration_ms",
            "0 (no limit) or at least one frame (32 ms)");
}

SpeechSegmenter::SpeechSegmenter(const SegmenterOptions& options)
    : options_(options), min_silence_samples_(samples_of(options.min_silence_ms)), max_speech_samples_(samples_of(options.max_speech_ms)) {}

SpeechSegmenter::Update SpeechSegmenter::push(float probability) {
    Update update;
    const int64_t at = position();
    ++frames_;
    if (!in_speech_) {
        if (probability >= options_.threshold) {
            in_speech_ = true;
            start_ = at;
            silence_start_.reset();
            pauses_.clear();
            update.started = at;
        }
        return update;
    }

    if (probability >= options_.threshold) {
        if (silence_start_) {
            if (at - *silence_start_ >= samples_of(kMinCutPauseMs)) pauses_.push_back({*silence_start_, at - *silence_start_});
            silence_start_.reset();
        }
    } else if (probability < options_.end_threshold() && !silence_start_) {
        silence_start_ = at;
    }

    // The silence so far includes this frame.
    if (silence_start_ && position() - *silence_start_ >= min_silence_samples_) {
        update.ended = SampleSpan{start_, *silence_start_};
        in_speech_ = false;
        silence_start_.reset();
        return update;
    }

    if (max_speech_samples_ > 0 && position() - start_ > max_speech_samples_) {
        // The pause in progress is a place to cut too.
        if (silence_start_ && at - *silence_start_ >= samples_of(kMinCutPauseMs))
            pauses_.push_back({*silence_start_, at - *silence_start_});
        const auto longest =
            std::max_element(pauses_.begin(), pauses_.end(), [](const Pause& a, const Pause& b) { return a.length < b.length; });
        if (longest == pauses_.end()) {
            update.ended = SampleSpan{start_, at};
            start_ = at;
            silence_start_.reset();
        } else {
            update.ended = SampleSpan{start_, longest->start};
            const int64_t resumed = longest->start + longest->length;
            if (silence_start_ && *silence_start_ == longest->start) {
                // Cut at the pause in progress: no speech after it yet.
                in_speech_ = false;
                silence_start_.reset();
            } else {
                start_ = resumed;
                update.started = resumed;
            }
        }
        pauses_.clear();
    }
    return update;
}

std::optional<SampleSpan> SpeechSegmenter::pending_end() const {
    if (!in_speech_ || !silence_start_) return std::nullopt;
    return SampleSpan{start_, *silence_start_};
}

std::optional<SampleSpan> SpeechSegmenter::finish(int64_t total_samples) {
    if (!in_speech_) return std::nullopt;
    in_speech_ = false;
    const int64_t end = silence_start_.value_or(total_samples);
    silence_start_.reset();
    return SampleSpan{start_, std::min(end, total_samples)};
}

std::vector<SampleSpan> find_speech(const std::vector<float>& probabilities, int64_t total_samples, const SegmenterOptions& options) {
    SpeechSegmenter segmenter(options);
    std::vector<SampleSpan> spans;
    const int64_t min_speech = samples_of(options.min_speech_ms);
    const auto keep = [&](SampleSpan span) {
        span.end = std::min(span.end, total_samples);
        if (span.end - span.start >= min_speech && span.end > span.start) spans.push_back(span);
    };
    for (const float probability : probabilities) {
        if (const auto ended = segmenter.push(probability).ended) keep(*ended);
    }
    if (const auto last = segmenter.finish(total_samples)) keep(*last);

    const int64_t pad = samples_of(options.speech_pad_ms);
    for (size_t i = 0; i < spans.size(); ++i) {
        if (i == 0) spans[i].start = std::max<int64_t>(0, spans[i].start - pad);
        if (i + 1 == spans.size()) {
            spans[i].end = std::min(total_samples, spans[i].end + pad);
            break;
        }
        const int64_t gap = spans[i + 1].start - spans[i].end;
        const int64_t widen = gap < 2 * pad ? gap / 2 : pad;
        spans[i].end += widen;
        spans[i + 1].start -= gap < 2 * pad ? gap - widen : pad;
    }
    return spans;
}

}  // namespace ovspeech::vad
