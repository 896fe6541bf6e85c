#include "whisper/transcriber.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <optional>
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

// Emits the text of a growing token list as deltas, holding back an incomplete UTF-8 character. Each
// update detokenizes only the tokens since the last delta (the detokenizer's text of a token list is the
// text of its parts joined, cut between whole characters), so a window costs linear time, not quadratic.
// With logprobs, a delta carries the text tokens added since the last one: tokens held back with a
// partial character go with the delta that completes it.
class TextDeltas {
public:
    TextDeltas(WhisperTokenizer& tokenizer, const WhisperConfig& config, bool logprobs, const std::function<void(const TextDelta&)>& emit)
        : tokenizer_(tokenizer), config_(config), logprobs_(logprobs), emit_(emit) {}

    // `tokens` grow from one call to the next; `logprobs` has one per token.
    void update(const std::vector<int64_t>& tokens, const std::vector<float>& logprobs) {
        if (!emit_ || tokens.size() <= emitted_tokens_) return;
        const std::string text = tokenizer_.decode({tokens.begin() + static_cast<std::ptrdiff_t>(emitted_tokens_), tokens.end()});
        // The detokenizer makes the bytes of an incomplete character U+FFFD.
        static const std::string replacement = "\xEF\xBF\xBD";
        const bool incomplete =
            text.size() >= replacement.size() && text.compare(text.size() - replacement.size(), replacement.size(), replacement) == 0;
        if (!text.empty() && !incomplete) emit(text, tokens, logprobs);
    }

    // `text` is the decoding of `tokens`, all of them: the rest not yet emitted, if it follows on.
    void finish(const std::string& text, const std::vector<int64_t>& tokens, const std::vector<float>& logprobs) {
        if (!emit_ || text.size() <= emitted_.size() || text.compare(0, emitted_.size(), emitted_) != 0) return;
        emit(text.substr(emitted_.size()), tokens, logprobs);
    }

private:
    void emit(const std::string& delta_text, const std::vector<int64_t>& tokens, const std::vector<float>& logprobs) {
        TextDelta delta{delta_text, std::nullopt};
        if (logprobs_) delta.logprobs = text_token_logprobs(tokenizer_, config_, tokens, logprobs, emitted_tokens_);
        emit_(delta);
        emitted_ += delta_text;
        emitted_tokens_ = tokens.size();
    }

    WhisperTokenizer& tokenizer_;
    const WhisperConfig& config_;
    const bool logprobs_;
    const std::function<void(const TextDelta&)>& emit_;
    std::string emitted_;
    size_t emitted_tokens_ = 0;
};

// A window's decoded tokens at one temperature, with OpenAI Whisper's measures of their quality.
struct WindowAttempt {
    const DecodedWindow& decoded;
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

struct Transcription::State {
    State(WhisperSession& session, const std::vector<float>& samples_16k, const TranscriptionOptions& options, TranscriptionEvents events);
    // A transcription that ends mid-window (cancelled, failed) takes its row out of the decoder batch,
    // whose other rows would otherwise wait for its next step.
    ~State() {
        try {
            decoder.reset();
        } catch (...) {
            // reset() throws only for a row waiting on a step, which its own thread cannot be here.
        }
    }

    // The encoder pass and language probe of the window at `offset`, then its first decoding attempt.
    void begin_window();
    void begin_attempt();
    // One decoder step of the current attempt.
    void decode_step();
    // Retries the window at the next temperature when fallback asks for it, else keeps the attempt.
    void end_attempt();
    // The kept attempt's tokens, segments and words; moves `offset` to the next window.
    void finish_window(const WindowAttempt& attempt);

    WhisperSession& session;
    const WhisperModel& model;
    const WhisperConfig& config;
    const FeatureExtractorConfig& frames;
    const TranscriptionOptions options;
    const TranscriptionEvents events;
    WhisperTokenizer& tokenizer;
    // GenAI generates with the decomposed decoder too when it gives word timestamps.
    DecoderSteps& decoder;
    TranscriptionResult result;
    std::optional<int64_t> forced_language;
    std::vector<int64_t> context;  // the prompt's tokens
    WhisperFeatures features;
    bool timestamps = false;
    // Text deltas token by token: only when neither timestamps nor fallback can revise the text.
    bool stream_tokens = false;
    float seconds_per_timestamp = 0;
    float seconds_per_frame = 0;
    size_t frames_per_position = 0;
    std::vector<int64_t> start_tokens;  // <|startoftranscript|>, language, task: set on the first window
    std::mt19937_64 rng;
    TextDeltas deltas;
    size_t offset = 0;  // the current window's first feature frame
    bool done = false;

    // The window being decoded.
    std::vector<float> window_features;
    ov::Tensor hidden_states;
    StartOfTranscript probe;
    WindowRequest request;
    std::vector<float> temperatures;
    size_t attempt = 0;
    std::optional<WindowDecoding> decoding;
    std::vector<int64_t> streamed_tokens;
    std::vector<float> streamed_logprobs;
};

Transcription::State::State(WhisperSession& session_, const std::vector<float>& samples_16k, const TranscriptionOptions& options_,
                            TranscriptionEvents events_)
    : session(session_),
      model(session_.model()),
      config(model.config()),
      frames(model.feature_extractor().config()),
      options(options_),
      events(std::move(events_)),
      tokenizer(session_.tokenizer()),
      decoder(options_.word_timestamps ? session_.word_decoder() : session_.decoder()),
      rng(options_.seed),
      deltas(tokenizer, config, options_.logprobs, events.on_text) {
    validate(options, config, samples_16k);
    // A request that was cancelled or failed mid-window left its caches behind on this session.
    decoder.reset();
    result.duration = static_cast<float>(samples_16k.size()) / static_cast<float>(frames.sampling_rate);

    if (options.language) {
        if (config.is_multilingual)
            forced_language = language_token(config, *options.language);
        else if (unbracketed(*options.language) != "en")
            throw Error(ErrorCode::InvalidArgument, "this model is English-only");
    }
    if (options.initial_prompt && !options.initial_prompt->empty()) {
        context = tokenizer.encode_prompt(" " + *options.initial_prompt, config);
        if (context.size() > max_prompt_tokens(config)) context.erase(context.begin(), context.end() - max_prompt_tokens(config));
    }

    Stopwatch stopwatch;
    features = model.feature_extractor().extract(samples_16k);
    result.timings.features_ms = stopwatch.elapsed_ms();

    timestamps = options.timestamps || features.n_frames > frames.nb_max_frames;
    stream_tokens = static_cast<bool>(events.on_text) && !timestamps && !options.temperature_fallback;
    seconds_per_timestamp = static_cast<float>(frames.chunk_length) / static_cast<float>(config.max_source_positions);
    seconds_per_frame = static_cast<float>(frames.hop_length) / static_cast<float>(frames.sampling_rate);
    frames_per_position = frames.nb_max_frames / config.max_source_positions;
    temperatures.push_back(options.temperature);
    if (options.temperature_fallback) {
        for (const float t : options.fallback_temperatures) {
            if (t > options.temperature) temperatures.push_back(t);
        }
    }
    done = features.n_frames == 0;
}

void Transcription::State::begin_window() {
    window_features = features.window(offset, frames.nb_max_frames);
    Stopwatch stopwatch;
    hidden_states = session.encode(window_features);
    result.timings.encoder_ms += stopwatch.elapsed_ms();

    stopwatch.restart();
    // The language is detected once, on the first window, by <|startoftranscript|> alone, as GenAI does.
    // The no-speech probability is read later, at <|startoftranscript|> of each window's prompt.
    probe = StartOfTranscript{};
    if (start_tokens.empty() && config.is_multilingual && !forced_language)
        probe = probe_start_of_transcript(decoder, hidden_states, config);
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

    request = WindowRequest{};
    if (offset == 0 && !context.empty()) {
        request.prompt.push_back(config.prev_sot_token_id);
        request.prompt.insert(request.prompt.end(), context.begin(), context.end());
    }
    request.prompt.insert(request.prompt.end(), start_tokens.begin(), start_tokens.end());
    if (!timestamps) request.prompt.push_back(config.no_timestamps_token_id);
    request.timestamps = timestamps;
    request.max_new_tokens = options.max_new_tokens.value_or(config.max_length - request.prompt.size());
    result.timings.decoder_ms += stopwatch.elapsed_ms();
    attempt = 0;
    begin_attempt();
}

void Transcription::State::begin_attempt() {
    request.temperature = temperatures[attempt];
    streamed_tokens.clear();
    streamed_logprobs.clear();
    decoding.emplace(config, request, rng);
}

void Transcription::State::decode_step() {
    Stopwatch stopwatch;
    // OpenAI's no-speech probability: that of <|nospeech|> at <|startoftranscript|> of the prompt's step,
    // after any previous-text context.
    const bool first_step = decoding->decoded().tokens.empty();
    if (first_step) {
        const auto start = std::find(request.prompt.begin(), request.prompt.end(), config.decoder_start_token_id);
        decoder.keep_first_step_logits_at(static_cast<size_t>(start - request.prompt.begin()));
    }
    decoder.start(hidden_states, decoding->next_tokens());
    ov::Tensor logits = decoder.wait();
    if (first_step) {
        std::vector<float> at_start = decoder.first_step_logits();
        probe.no_speech_probability = no_speech_probability(LogitRow{at_start.data(), at_start.size()}, config);
    }
    const int64_t token = decoding->accept(last_row(logits));
    result.timings.decoder_ms += stopwatch.elapsed_ms();
    if (stream_tokens) {
        streamed_tokens.push_back(token);
        streamed_logprobs.push_back(decoding->decoded().logprobs.back());
        deltas.update(streamed_tokens, streamed_logprobs);
    }
    if (decoding->finished()) end_attempt();
}

void Transcription::State::end_attempt() {
    decoder.reset();
    const DecodedWindow& decoded = decoding->decoded();
    const auto& tokens = decoded.tokens;
    WindowAttempt kept{decoded, request.temperature};
    kept.text_tokens = tokens.size() - (!tokens.empty() && tokens.back() == config.eos_token_id ? 1 : 0);
    kept.avg_logprob = decoded.sum_logprob / static_cast<float>(kept.text_tokens + 1);
    kept.compression_ratio = compression_ratio(tokenizer.decode({tokens.begin(), tokens.begin() + kept.text_tokens}));
    const bool silent = probe.no_speech_probability > options.no_speech_threshold;
    const bool poor = kept.compression_ratio > options.compression_ratio_threshold || kept.avg_logprob < options.logprob_threshold;
    if (options.temperature_fallback && !silent && poor && attempt + 1 < temperatures.size()) {
        ++attempt;
        begin_attempt();
        return;
    }
    result.timings.decoded_tokens += tokens.size();
    finish_window(kept);
    decoding.reset();
    done = done || offset >= features.n_frames;
}

void Transcription::State::finish_window(const WindowAttempt& kept) {
    const DecodedWindow& decoded = kept.decoded;
    const bool skip_as_silence = options.temperature_fallback && probe.no_speech_probability > options.no_speech_threshold &&
                                 kept.avg_logprob < options.logprob_threshold;
    if (skip_as_silence) {
        offset += frames.nb_max_frames;
        return;
    }
    if (options.word_timestamps) {
        Stopwatch stopwatch;
        // Past the audio's end GenAI's unsigned subtraction wraps around and it aligns over the whole
        // window; so do we, for the same words.
        const size_t active_frames =
            offset < features.n_active_frames ? std::min(frames.nb_max_frames, features.n_active_frames - offset) : frames.nb_max_frames;
        const WordAlignmentWindow window{hidden_states,
                                         start_tokens,
                                         decoded.tokens,
                                         result.language,
                                         active_frames / frames_per_position,
                                         seconds_per_timestamp,
                                         static_cast<float>(offset) * seconds_per_frame};
        const std::vector<WordTiming> words = align_words(session.word_decoder(), tokenizer, config, window);
        result.words.insert(result.words.end(), words.begin(), words.end());
        result.timings.word_timestamps_ms += stopwatch.elapsed_ms();
    }
    if (!timestamps) {
        // Without timestamps there is one window: the audio fits in it.
        result.tokens.insert(result.tokens.end(), decoded.tokens.begin(), decoded.tokens.end());
        result.token_logprobs.insert(result.token_logprobs.end(), decoded.logprobs.begin(), decoded.logprobs.end());
        done = true;
        return;
    }

    const WindowSegments split =
        split_segments(decoded.tokens, config, frames.nb_max_frames, seconds_per_timestamp, static_cast<float>(offset) * seconds_per_frame);
    for (const TimedSegment& timed : split.segments) {
        result.tokens.insert(result.tokens.end(), timed.tokens.begin(), timed.tokens.end());
        result.token_logprobs.insert(result.token_logprobs.end(), decoded.logprobs.begin() + timed.first_token,
                                     decoded.logprobs.begin() + timed.last_token);
        TranscriptionSegment segment;
        segment.id = result.segments.size();
        segment.seek = offset;
        segment.start = timed.start;
        segment.end = timed.end;
        segment.text = tokenizer.decode(timed.tokens);
        segment.tokens = timed.tokens;
        segment.temperature = kept.temperature;
        segment.avg_logprob = kept.avg_logprob;
        segment.compression_ratio = kept.compression_ratio;
        segment.no_speech_prob = probe.no_speech_probability;
        if (options.timestamps) {
            if (events.on_segment) events.on_segment(segment);
            result.segments.push_back(std::move(segment));
        }
    }
    deltas.update(result.tokens, result.token_logprobs);
    offset += split.next_offset_frames;
}

Transcription::Transcription(WhisperSession& session, const std::vector<float>& samples_16k, const TranscriptionOptions& options,
                             TranscriptionEvents events)
    : state_(std::make_unique<State>(session, samples_16k, options, std::move(events))) {}

Transcription::~Transcription() = default;

bool Transcription::step() {
    State& state = *state_;
    if (state.done) return false;
    if (state.decoding)
        state.decode_step();
    else
        state.begin_window();
    return !state.done;
}

TranscriptionResult Transcription::finish() {
    State& state = *state_;
    TranscriptionResult& result = state.result;
    result.text = state.tokenizer.decode(result.tokens);
    if (state.options.logprobs) result.logprobs = text_token_logprobs(state.tokenizer, state.config, result.tokens, result.token_logprobs);
    state.deltas.finish(result.text, result.tokens, result.token_logprobs);
    return std::move(result);
}

TranscriptionResult transcribe(WhisperSession& session, const std::vector<float>& samples_16k, const TranscriptionOptions& options,
                               const CancellationFlag& cancellation, const TranscriptionEvents& events) {
    Transcription transcription(session, samples_16k, options, events);
    do {
        cancellation.throw_if_cancelled();
    } while (transcription.step());
    return transcription.finish();
}

}  // namespace ovspeech::whisper
