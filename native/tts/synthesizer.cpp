#include "tts/synthesizer.h"

#include <cmath>
#include <cstdio>

#include "common/error.h"
#include "common/stopwatch.h"
#include "common/streaming_resampler.h"
#include "common/utf8.h"
#include "tts/sentence_splitter.h"
#include "tts/text_normalizer.h"
#include "tts/time_stretch.h"

namespace ovspeech::tts {
namespace {

[[noreturn]] void invalid(const std::string& message, const std::string& param = "input") {
    throw Error(ErrorCode::InvalidArgument, message, param);
}

// Counts the characters (code points) of UTF-8 text, refusing malformed text and control characters.
size_t check_text(const std::string& text) {
    size_t characters = 0;
    for (size_t i = 0; i < text.size(); ++characters) {
        const Utf8CodePoint c = decode_utf8(text, i);
        if (!c.valid) invalid("input is not valid UTF-8 (at byte " + std::to_string(i) + ")");
        if ((c.value < 0x20 && c.value != '\t' && c.value != '\n' && c.value != '\r') || (c.value >= 0x7F && c.value <= 0x9F)) {
            char code[8];
            std::snprintf(code, sizeof(code), "U+%04X", static_cast<unsigned>(c.value));
            invalid(std::string("input contains the control character ") + code + " at character " + std::to_string(characters));
        }
        i += c.length;
    }
    return characters;
}

}  // namespace

std::vector<float> synthesize_unit(TtsSession& session, std::vector<int64_t> tokens, const Voice& voice, const OptionValues& options,
                                   double speed, const CancellationFlag& cancellation, UnitTimings& timings) {
    const std::unique_ptr<UnitSynthesis> unit = session.start(std::move(tokens), voice, options, speed, timings);
    do {
        cancellation.throw_if_cancelled();
    } while (unit->step());
    return unit->finish();
}

SpeechSummary synthesize_speech(TtsSession& session, const TtsModel& model, const VoiceLibrary& voices, const SpeechRequest& request,
                                const CancellationFlag& cancellation, const std::function<void(std::vector<float>&& chunk)>& on_chunk) {
    const size_t characters = check_text(request.text);
    if (request.text.find_first_not_of(" \t\r\n") == std::string::npos) invalid("input is empty");
    if (characters > kMaxInputCharacters) {
        invalid("input has " + std::to_string(characters) + " characters; at most " + std::to_string(kMaxInputCharacters) + " are allowed");
    }
    if (!(request.speed >= kMinSpeed && request.speed <= kMaxSpeed)) invalid("speed must be between 0.25 and 4.0", "speed");
    if (!(request.pause_seconds >= 0 && request.pause_seconds <= 5)) {
        invalid("the pause between sentences must be between 0 and 5 seconds", "sentence_pause");
    }
    check_options(model.family(), model.option_specs(), request.options);
    model.check_option_values(request.options);
    StreamingResampler resampler(model.sample_rate(), request.sample_rate == 0 ? model.sample_rate() : request.sample_rate);
    const Voice& voice = voices.resolve(request.voice);

    SpeechSummary summary;
    summary.sample_rate = resampler.resampler().to_rate();
    // Split first (line breaks end sentences; the normalizer would fold them), then spell each sentence
    // out, cutting again any that has more tokens than the model takes. Each unit is tokenized once, here.
    std::vector<TokenizedPiece> units;
    Stopwatch stopwatch;
    const size_t max_tokens = model.max_unit_tokens();
    const auto tokenize = [&session, &summary](const std::string& text) {
        Stopwatch tokenizing;
        std::vector<int64_t> tokens = session.tokenize(text);
        summary.units.tokenizer_ms += tokenizing.elapsed_ms();
        return tokens;
    };
    for (const std::string& sentence :
         request.split ? split_sentences(request.text, kMaxInputCharacters) : std::vector<std::string>{request.text}) {
        const std::string spoken = request.normalize ? normalize_english(sentence) : sentence;
        if (request.split) {
            for (TokenizedPiece& piece : split_to_fit(spoken, max_tokens, tokenize)) units.push_back(std::move(piece));
            continue;
        }
        std::vector<int64_t> tokens = tokenize(spoken);
        if (tokens.size() > max_tokens) {
            invalid("input has " + std::to_string(tokens.size()) + " tokens" + (request.normalize ? " once spelled out" : "") +
                    "; without sentence splitting the model takes at most " + std::to_string(max_tokens));
        }
        units.push_back({spoken, std::move(tokens)});
    }
    summary.normalize_ms = stopwatch.elapsed_ms() - summary.units.tokenizer_ms;

    // The pauses between sentences go faster or slower with the speech.
    const auto pause = static_cast<size_t>(std::lround(request.pause_seconds * model.sample_rate() / request.speed));
    const auto emit = [&](std::vector<float>&& chunk) {
        summary.samples += chunk.size();
        if (!chunk.empty()) on_chunk(std::move(chunk));
    };
    for (TokenizedPiece& unit : units) {
        std::vector<float> samples =
            synthesize_unit(session, std::move(unit.tokens), voice, request.options, request.speed, cancellation, summary.units);
        if (samples.empty()) continue;
        if (request.speed != 1.0 && !model.controls_speed()) {
            stopwatch.restart();
            samples = time_stretch(samples, model.sample_rate(), request.speed);
            summary.stretch_ms += stopwatch.elapsed_ms();
        }
        if (summary.unit_count > 0 && pause > 0) samples.insert(samples.begin(), pause, 0.0f);
        ++summary.unit_count;
        emit(resampler.push(samples.data(), samples.size()));
    }
    if (summary.unit_count == 0) invalid("the model's tokenizer can read none of the characters in the input");
    emit(resampler.flush());
    return summary;
}

}  // namespace ovspeech::tts
