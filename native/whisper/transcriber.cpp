#include "whisper/transcriber.h"

#include <zlib.h>

#include <algorithm>
#include <random>

#include "common/error.h"
#include "common/stopwatch.h"
#include "whisper/decoding.h"
#include "whisper/segments.h"
#include "whisper/word_timestamps.h"

namespace ovspeech::whisper {
namespace {

std::string unbracketed(const std::string& name) {
    return name.size() > 4 ? name.substr(2, name.size() - 4) : name;
}

// OpenAI Whisper keeps at most this many prompt tokens (half the context, less the <|startofprev|>).
size_t max_prompt_tokens(const WhisperConfig& config) {
    return config.max_length / 2 - 1;
}

void validate(const TranscriptionOptions& options, const WhisperConfig& config, const std::vector<float>& samples) {
    const auto invalid = [](const std::string& message) { throw Error(ErrorCode::InvalidArgument, message); };
    if (samples.empty()) invalid("the audio is empty");
    if (options.task != "transcribe" && options.task != "translate") {
        invalid("task must be transcribe or translate, got " + options.task);
    }
    if (!config.is_multilingual && options.task == "translate") invalid("this model is English-only and cannot translate");
    if (!(options.temperature >= 0 && options.temperature <= 1)) invalid("temperature must be between 0 and 1");
    for (const float t : options.fallback_temperatures) {
        if (!(t > 0 && t <= 1)) invalid("fallback temperatures must be above 0 and at most 1");
    }
    if (options.max_new_tokens && (*options.max_new_tokens < 1 || *options.max_new_tokens > config.max_length)) {
        invalid("max_new_tokens must be between 1 and " + std::to_string(config.max_length));
    }
    if (options.word_timestamps && config.alignment_heads.empty()) {
        invalid("this model cannot give word timestamps: its generation_config.json has no alignment_heads");
    }
}

// The tokens among tokens[from...] that the text is decoded from, with their log-probs and bytes: all
// but the special ones. That includes a timestamp token decoded without timestamps (GenAI does not
// suppress them then, and the text shows it as "<|24.10|>"), so that the bytes always spell the text.
std::vector<TokenLogprob> text_token_logprobs(WhisperTokenizer& tokenizer, const WhisperConfig& config, const std::vector<int64_t>& tokens,
                                              const std::vector<float>& logprobs, size_t from = 0) {
    std::vector<int64_t> text;
    std::vector<TokenLogprob> entries;
    for (size_t i = from; i < tokens.size(); ++i) {
        if (config.is_special(tokens[i])) continue;
        text.push_back(tokens[i]);
        entries.push_back({{}, logprobs[i]});
    }
    const std::vector<std::string> bytes = tokenizer.token_bytes(text);
    for (size_t i = 0; i < entries.size(); ++i) entries[i].bytes = bytes[i];
    return entries;
}

// Emits the text of a growing token list as deltas, holding back an incomplete UTF-8 character. With
// logprobs, a delta carries the text tokens added since the last one: tokens held back with a partial
// character go with the delta that completes it.
class TextDeltas {
public:
    TextDeltas(WhisperTokenizer& tokenizer, const WhisperConfig& config, bool logprobs, const std::function<void(const TextDelta&)>& emit)
        : tokenizer_(tokenizer), config_(config), logprobs_(logprobs), emit_(emit) {}

    // `tokens` grow from one call to the next; `logprobs` has one per token.
    void update(const std::vector<int64_t>& tokens, const std::vector<float>& logprobs) {
        if (!emit_) return;
        const std::string text = tokenizer_.decode(tokens);
        static const std::string replacement = "\xEF\xBF\xBD";
        const bool incomplete = text.size() >= replacement.size() && text.compare(text.size() - replacement.size(), replacement.size(), replacement) == 0;
        if (!incomplete) finish(text, tokens, logprobs);
    }

    // `text` is the decoding of `tokens`.
    void finish(const std::string& text, const std::vector<int64_t>& tokens, const std::vector<float>& logprobs) {
        if (!emit_ || text.size() <= emitted_.size() || text.compare(0, emitted_.size(), emitted_) != 0) return;
        TextDelta delta{text.substr(emitted_.size()), std::nullopt};
        if (logprobs_) delta.logprobs = text_token_logprobs(tokenizer_, config_, tokens, logprobs, emitted_tokens_);
        emit_(delta);
        emitted_ = text;
        emitted_tokens_ = tokens.size();
    }

private:
    WhisperTokenizer& tokenizer_;
    const WhisperConfig& config_;
    const bool logprobs_;
    const std::function<void(const TextDelta&)>& emit_;
    std::string emitted_;
    size_t emitted_tokens_ = 0;
};

struct WindowAttempt {
    DecodedWindow decoded;
    float temperature = 0;
    size_t text_tokens = 0;
    float avg_logprob = 0;
    float compression_ratio = 0;
};

}  // namespace

int64_t language_token(const WhisperConfig& config, const std::string& language) {
    const std::string name = language.rfind("<|", 0) == 0 ? language : "<|" + language + "|>";
    const auto found = config.lang_to_id.find(name);
    if (found == config.lang_to_id.end()) {
        throw Error(ErrorCode::InvalidArgument, "language " + language + " is not one this model knows");
    }
    return found->second;
}

float compression_ratio(const std::string& text) {
    if (text.empty()) return 0;
    uLongf size = compressBound(text.size());
    std::vector<Bytef> compressed(size);
    if (compress2(compressed.data(), &size, reinterpret_cast<const Bytef*>(text.data()), text.size(), Z_DEFAULT_COMPRESSION) != Z_OK) {
        throw Error(ErrorCode::Internal, "zlib could not compress a transcript");
    }
    return static_cast<float>(text.size()) / static_cast<float>(size);
}

TranscriptionResult transcribe(WhisperSession& session, const std::vector<float>& samples_16k, const TranscriptionOptions& options,
                               const CancellationFlag& cancellation, const TranscriptionEvents& events) {
    const WhisperModel& model = session.model();
    const WhisperConfig& config = model.config();
    const FeatureExtractorConfig& frames = model.feature_extractor().config();
    validate(options, config, samples_16k);
    WhisperTokenizer& tokenizer = session.tokenizer();
    // GenAI generates with the decomposed decoder too when it gives word timestamps.
    WhisperDecoder& decoder = options.word_timestamps ? session.word_decoder() : session.decoder();

    // A request that was cancelled or failed mid-window left its caches behind on this session.
    decoder.reset();

    TranscriptionResult result;
    result.duration = static_cast<float>(samples_16k.size()) / static_cast<float>(frames.sampling_rate);

    std::optional<int64_t> forced_language;
    if (options.language) {
        if (config.is_multilingual) forced_language = language_token(config, *options.language);
        else if (unbracketed(*options.language) != "en") throw Error(ErrorCode::InvalidArgument, "this model is English-only");
    }
    std::vector<int64_t> context;
    if (options.initial_prompt && !options.initial_prompt->empty()) {
        context = tokenizer.encode_prompt(" " + *options.initial_prompt, config);
        if (context.size() > max_prompt_tokens(config)) context.erase(context.begin(), context.end() - max_prompt_tokens(config));
    }

    Stopwatch stopwatch;
    const WhisperFeatures features = model.feature_extractor().extract(samples_16k);
    result.timings.features_ms = stopwatch.elapsed_ms();

    const bool long_form = features.n_frames > frames.nb_max_frames;
    const bool timestamps = options.timestamps || long_form;
    const float seconds_per_timestamp = static_cast<float>(frames.chunk_length) / static_cast<float>(config.max_source_positions);
    const float seconds_per_frame = static_cast<float>(frames.hop_length) / static_cast<float>(frames.sampling_rate);
    const size_t frames_per_position = frames.nb_max_frames / config.max_source_positions;
    const bool stream_tokens = events.on_text && !timestamps && !options.temperature_fallback;

    std::vector<int64_t> start_tokens;
    std::mt19937_64 rng(options.seed);
    std::vector<int64_t> window_tokens;
    std::vector<float> window_logprobs;
    TextDeltas deltas(tokenizer, config, options.logprobs, events.on_text);
    for (size_t offset = 0; offset < features.n_frames;) {
        cancellation.throw_if_cancelled();
        std::vector<float> window = features.window(offset, frames.nb_max_frames);
        stopwatch.restart();
        const ov::Tensor hidden_states = session.encode(window);
        result.timings.encoder_ms += stopwatch.elapsed_ms();

        stopwatch.restart();
        const StartOfTranscript probe = probe_start_of_transcript(decoder, hidden_states, config);
        if (start_tokens.empty()) {
            start_tokens.push_back(config.decoder_start_token_id);
            if (config.is_multilingual) {
                const int64_t language = forced_language.value_or(probe.language_token);
                start_tokens.push_back(language);
                start_tokens.push_back(options.task == "translate" ? *config.translate_token_id : *config.transcribe_token_id);
                for (const auto& [name, token] : config.lang_to_id) {
                    if (token == language) result.language = unbracketed(name);
                }
                result.language_probability = forced_language ? 1.0f : probe.language_probability;
            } else {
                result.language = "en";
                result.language_probability = 1.0f;
            }
        }

        WindowRequest request;
        if (offset == 0 && !context.empty()) {
            request.prompt.push_back(config.prev_sot_token_id);
            request.prompt.insert(request.prompt.end(), context.begin(), context.end());
        }
        request.prompt.insert(request.prompt.end(), start_tokens.begin(), start_tokens.end());
        if (!timestamps) request.prompt.push_back(config.no_timestamps_token_id);
        request.timestamps = timestamps;
        request.max_new_tokens = options.max_new_tokens.value_or(config.max_length - request.prompt.size());

        std::vector<float> temperatures{options.temperature};
        if (options.temperature_fallback) {
            for (const float t : options.fallback_temperatures) {
                if (t > options.temperature) temperatures.push_back(t);
            }
        }
        WindowAttempt attempt;
        for (const float temperature : temperatures) {
            request.temperature = temperature;
            window_tokens.clear();
            window_logprobs.clear();
            attempt.decoded = decode_window(decoder, hidden_states, config, request, rng, cancellation, [&](int64_t token, float logprob) {
                if (!stream_tokens) return;
                window_tokens.push_back(token);
                window_logprobs.push_back(logprob);
                deltas.update(window_tokens, window_logprobs);
            });
            decoder.reset();
            const auto& tokens = attempt.decoded.tokens;
            attempt.temperature = temperature;
            attempt.text_tokens = tokens.size() - (!tokens.empty() && tokens.back() == config.eos_token_id ? 1 : 0);
            attempt.avg_logprob = attempt.decoded.sum_logprob / static_cast<float>(attempt.text_tokens + 1);
            attempt.compression_ratio = compression_ratio(tokenizer.decode({tokens.begin(), tokens.begin() + attempt.text_tokens}));
            const bool silent = probe.no_speech_probability > options.no_speech_threshold;
            const bool poor = attempt.compression_ratio > options.compression_ratio_threshold || attempt.avg_logprob < options.logprob_threshold;
            if (!options.temperature_fallback || silent || !poor) break;
        }
        result.timings.decoder_ms += stopwatch.elapsed_ms();
        result.timings.decoded_tokens += attempt.decoded.tokens.size();

        const bool skip_as_silence = options.temperature_fallback && probe.no_speech_probability > options.no_speech_threshold &&
                                     attempt.avg_logprob < options.logprob_threshold;
        if (skip_as_silence) {
            offset += frames.nb_max_frames;
            continue;
        }
        if (options.word_timestamps) {
            stopwatch.restart();
            // Past the audio's end GenAI's unsigned subtraction wraps around and it aligns over the
            // whole window; so do we, for the same words.
            const size_t active_frames = offset < features.n_active_frames ? std::min(frames.nb_max_frames, features.n_active_frames - offset)
                                                                           : frames.nb_max_frames;
            const WordAlignmentWindow window{hidden_states, start_tokens, attempt.decoded.tokens, result.language,
                                             active_frames / frames_per_position, seconds_per_timestamp,
                                             static_cast<float>(offset) * seconds_per_frame};
            const std::vector<WordTiming> words = align_words(decoder, tokenizer, config, window);
            result.words.insert(result.words.end(), words.begin(), words.end());
            result.timings.word_timestamps_ms += stopwatch.elapsed_ms();
        }
        if (!timestamps) {
            result.tokens.insert(result.tokens.end(), attempt.decoded.tokens.begin(), attempt.decoded.tokens.end());
            result.token_logprobs.insert(result.token_logprobs.end(), attempt.decoded.logprobs.begin(), attempt.decoded.logprobs.end());
            break;
        }

        const WindowSegments split = split_segments(attempt.decoded.tokens, config, frames.nb_max_frames, seconds_per_timestamp,
                                                    static_cast<float>(offset) * seconds_per_frame);
        for (const TimedSegment& timed : split.segments) {
            result.tokens.insert(result.tokens.end(), timed.tokens.begin(), timed.tokens.end());
            result.token_logprobs.insert(result.token_logprobs.end(), attempt.decoded.logprobs.begin() + timed.first_token,
                                         attempt.decoded.logprobs.begin() + timed.last_token);
            TranscriptionSegment segment;
            segment.id = result.segments.size();
            segment.seek = offset;
            segment.start = timed.start;
            segment.end = timed.end;
            segment.text = tokenizer.decode(timed.tokens);
            segment.tokens = timed.tokens;
            segment.temperature = attempt.temperature;
            segment.avg_logprob = attempt.avg_logprob;
            segment.compression_ratio = attempt.compression_ratio;
            segment.no_speech_prob = probe.no_speech_probability;
            if (options.timestamps) {
                if (events.on_segment) events.on_segment(segment);
                result.segments.push_back(std::move(segment));
            }
        }
        deltas.update(result.tokens, result.token_logprobs);
        offset += split.next_offset_frames;
    }
    result.text = tokenizer.decode(result.tokens);
    if (options.logprobs) result.logprobs = text_token_logprobs(tokenizer, config, result.tokens, result.token_logprobs);
    deltas.finish(result.text, result.tokens, result.token_logprobs);
    return result;
}

}  // namespace ovspeech::whisper
