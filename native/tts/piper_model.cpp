#include "tts/piper_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <random>

#include <openvino/core/graph_util.hpp>
#include <openvino/op/add.hpp>
#include <openvino/op/ceiling.hpp>
#include <openvino/op/constant.hpp>
#include <openvino/op/convert.hpp>
#include <openvino/op/floor_mod.hpp>
#include <openvino/op/gather.hpp>
#include <openvino/op/multiply.hpp>
#include <openvino/op/parameter.hpp>
#include <openvino/op/random_uniform.hpp>
#include <openvino/op/range.hpp>
#include <openvino/op/reduce_prod.hpp>
#include <openvino/op/reshape.hpp>
#include <openvino/op/result.hpp>
#include <openvino/op/subtract.hpp>

#include "common/error.h"
#include "common/json_file.h"
#include "common/model_ir.h"
#include "common/stopwatch.h"
#include "tts/time_stretch.h"

namespace ovspeech::tts {
namespace {

constexpr const char* kOnnxSuffix = ".onnx";
constexpr const char* kConfigSuffix = ".onnx.json";
constexpr const char* kNoiseTable = "noise_table";
constexpr const char* kDurations = "durations";
// Uniform noise the model's random ops read instead of drawing their own: 2^21 floats, each op starting
// 2^19 further on (2^19 is 32 s of the flow's noise at 22,050 Hz; beyond that an op's noise repeats).
constexpr int64_t kNoiseTableSize = int64_t{1} << 21;
constexpr int64_t kNoiseOpStride = int64_t{1} << 19;
// Phoneme ids in one unit: about 500 phonemes, half a minute of speech.
constexpr size_t kMaxUnitIds = 1024;
constexpr double kMaxSeed = 4294967295.0;
// Units whose phoneme ids a session keeps (at most 4 MiB of ids): a request of 4096 characters has fewer
// sentences unless they are of a few characters each.
constexpr size_t kKnownUnits = 512;

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The stems of the folder's `<stem>.onnx` files that have a `<stem>.onnx.json` beside them.
std::vector<std::string> voice_stems(const FolderContents& contents) {
    std::vector<std::string> stems;
    for (const std::string& name : contents.files) {
        if (!ends_with(name, kConfigSuffix)) continue;
        const std::string onnx = name.substr(0, name.size() - 5);
        if (contents.has_file(onnx)) stems.push_back(onnx.substr(0, onnx.size() - 5));
    }
    return stems;
}

// OpenVINO reads ONNX's RandomNormalLike as RandomUniform ops with seeds 0, which draw new noise on every
// inference: the same request would never give the same audio. Each is replaced by a lookup into one
// table of uniform noise, a model input that a session fills from the request's seed. Returns that input.
std::shared_ptr<ov::op::v0::Parameter> seed_random_ops(ov::Model& model, const std::string& name) {
    auto table = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{kNoiseTableSize});
    table->set_friendly_name(kNoiseTable);
    table->output(0).get_tensor().set_names({kNoiseTable});
    int64_t index = 0;
    for (const std::shared_ptr<ov::Node>& node : model.get_ordered_ops()) {
        const auto random = ov::as_type_ptr<ov::op::v8::RandomUniform>(node);
        if (!random) continue;
        if (random->get_out_type() != ov::element::f32) {
            throw Error(ErrorCode::UnsupportedModel,
                        name + " draws random numbers of type " + random->get_out_type().get_type_name() + "; a Piper voice draws f32");
        }
        const auto shape = std::make_shared<ov::op::v0::Convert>(random->input_value(0), ov::element::i64);
        const auto axis = ov::op::v0::Constant::create(ov::element::i64, ov::Shape{}, {0});
        const auto count = std::make_shared<ov::op::v1::ReduceProd>(shape, axis, false);
        const auto positions =
            std::make_shared<ov::op::v4::Range>(ov::op::v0::Constant::create(ov::element::i64, ov::Shape{}, {0}), count,
                                                ov::op::v0::Constant::create(ov::element::i64, ov::Shape{}, {1}), ov::element::i64);
        const auto shifted = std::make_shared<ov::op::v1::Add>(
            positions, ov::op::v0::Constant::create(ov::element::i64, ov::Shape{}, {index++ * kNoiseOpStride}));
        const auto wrapped =
            std::make_shared<ov::op::v1::FloorMod>(shifted, ov::op::v0::Constant::create(ov::element::i64, ov::Shape{}, {kNoiseTableSize}));
        const auto noise = std::make_shared<ov::op::v8::Gather>(table, wrapped, axis);
        const auto shaped = std::make_shared<ov::op::v1::Reshape>(noise, shape, false);
        // RandomUniform's [min, max) range.
        const auto width = std::make_shared<ov::op::v1::Subtract>(random->input_value(2), random->input_value(1));
        const auto value = std::make_shared<ov::op::v1::Add>(random->input_value(1), std::make_shared<ov::op::v1::Multiply>(shaped, width));
        value->set_friendly_name(random->get_friendly_name());
        ov::replace_node(random, value);
    }
    model.add_parameters({table});
    model.validate_nodes_and_infer_types();
    return table;
}

// VITS rounds each phoneme id's duration (frames, length_scale applied) up to whole frames: about half a
// frame more per id whatever the scale, so that speed through length_scale alone misses 1/speed (measured
// on the joe voice: 1.80x at speed 0.5, 0.59x at 2). Makes the durations before rounding a model output,
// so that a unit can be brought to exactly 1/speed of its length at speed 1. False when the graph has not
// exactly one Ceiling to find them by.
bool expose_durations(ov::Model& model) {
    std::shared_ptr<ov::Node> rounding;
    for (const std::shared_ptr<ov::Node>& node : model.get_ops()) {
        if (!ov::as_type_ptr<ov::op::v0::Ceiling>(node)) continue;
        if (rounding) return false;
        rounding = node;
    }
    if (!rounding) return false;
    rounding->input_value(0).get_tensor().add_names({kDurations});
    model.add_results({std::make_shared<ov::op::v0::Result>(rounding->input_value(0))});
    return true;
}

// Frames of a unit whose durations (before rounding) are `durations` times `scale`.
double rounded_frames(const ov::Tensor& durations, double scale) {
    double frames = 0;
    const float* values = durations.data<const float>();
    for (size_t i = 0; i < durations.get_size(); ++i) frames += std::ceil(static_cast<double>(values[i]) * scale);
    return std::max(frames, 1.0);
}

// Uniform noise in (0, 1), never 0: the Box-Muller transform after it takes its logarithm.
void fill_noise(ov::Tensor& table, uint32_t seed) {
    std::mt19937 generator(seed);
    float* values = table.data<float>();
    for (size_t i = 0; i < table.get_size(); ++i) values[i] = (static_cast<float>(generator() >> 8) + 0.5f) / 16777216.0f;
}

double json_number(const nlohmann::json& object, const char* key, double fallback, const std::string& where) {
    if (!object.is_object() || !object.contains(key)) return fallback;
    if (!object[key].is_number()) throw Error(ErrorCode::UnsupportedModel, where + " has a " + key + " that is not a number");
    return object[key].get<double>();
}

class PiperUnit;

class PiperSession : public TtsSession {
public:
    PiperSession(const PiperModel& model, ov::InferRequest request)
        : model_(model), request_(std::move(request)), noise_(ov::element::f32, ov::Shape{static_cast<size_t>(kNoiseTableSize)}) {}

    std::unique_ptr<UnitSynthesis> start(const std::string& text, const Voice& voice, const OptionValues& options, double speed,
                                         UnitTimings& timings) override;

    size_t count_tokens(const std::string& text) override { return ids(text).size(); }

private:
    friend class PiperUnit;

    // The unit's phoneme ids, kept for the texts asked about lately: the synthesizer counts the tokens of
    // every unit of a request before it starts the first, and espeak-ng need not run twice.
    std::vector<int64_t> ids(const std::string& text) {
        const auto known = known_ids_.find(text);
        if (known != known_ids_.end()) return known->second;
        const std::string phonemes = model_.phonemizer().phonemize(text);
        std::vector<int64_t> ids = phonemes.empty() ? std::vector<int64_t>{} : model_.phoneme_ids().ids(phonemes);
        if (known_ids_.size() >= kKnownUnits) known_ids_.clear();
        known_ids_.emplace(text, ids);
        return ids;
    }

    void use_seed(uint32_t seed) {
        if (noise_seed_ == seed) return;
        fill_noise(noise_, seed);
        noise_seed_ = seed;
        request_.set_tensor(kNoiseTable, noise_);
    }

    const PiperModel& model_;
    ov::InferRequest request_;
    ov::Tensor noise_;
    std::optional<uint32_t> noise_seed_;
    std::map<std::string, std::vector<int64_t>> known_ids_;
};

// One unit on a PiperSession: espeak-ng and the id map, then one inference of the whole VITS model.
class PiperUnit : public UnitSynthesis {
public:
    PiperUnit(PiperSession& session, std::string text, std::optional<int64_t> speaker, std::array<float, 3> scales, uint32_t seed,
              double speed, UnitTimings& timings)
        : session_(session), text_(std::move(text)), speaker_(speaker), scales_(scales), seed_(seed), speed_(speed), timings_(timings) {}

    bool step() override {
        if (stage_ == Stage::Phonemize) {
            Stopwatch stopwatch;
            ids_ = session_.ids(text_);
            timings_.tokenizer_ms += stopwatch.elapsed_ms();
            stage_ = ids_.empty() ? Stage::Done : Stage::Infer;
        } else if (stage_ == Stage::Infer) {
            infer();
            stage_ = Stage::Done;
        }
        return stage_ != Stage::Done;
    }

    std::vector<float> finish() override { return std::move(samples_); }

private:
    enum class Stage { Phonemize, Infer, Done };

    void infer() {
        Stopwatch stopwatch;
        ov::InferRequest& request = session_.request_;
        session_.use_seed(seed_);
        length_ = static_cast<int64_t>(ids_.size());
        request.set_tensor("input", ov::Tensor(ov::element::i64, ov::Shape{1, ids_.size()}, ids_.data()));
        request.set_tensor("input_lengths", ov::Tensor(ov::element::i64, ov::Shape{1}, &length_));
        request.set_tensor("scales", ov::Tensor(ov::element::f32, ov::Shape{3}, scales_.data()));
        if (speaker_) request.set_tensor("sid", ov::Tensor(ov::element::i64, ov::Shape{1}, &*speaker_));
        request.infer();
        const ov::Tensor audio = request.get_tensor("output");
        samples_.assign(audio.data<const float>(), audio.data<const float>() + audio.get_size());
        timings_.vocoder_ms += stopwatch.elapsed_ms();
        if (!session_.model_.has_durations()) return;
        // The frames the unit has (its output tokens, as SpeechT5 counts spectrogram frames), and at speed
        // != 1 against 1/speed of those it has at length_scale alone: what rounding left is time-stretched.
        const ov::Tensor durations = request.get_tensor(kDurations);
        const double frames = rounded_frames(durations, 1.0);
        timings_.decoder_steps += static_cast<size_t>(frames);
        if (speed_ == 1.0) return;
        stopwatch.restart();
        const double stretch = frames * speed_ / rounded_frames(durations, speed_);
        samples_ = time_stretch(samples_, session_.model_.sample_rate(), std::clamp(stretch, kMinSpeed, kMaxSpeed));
        timings_.vocoder_ms += stopwatch.elapsed_ms();
    }

    PiperSession& session_;
    const std::string text_;
    // Buffers the infer request's input tensors point into: they must outlive infer().
    std::vector<int64_t> ids_;
    int64_t length_ = 0;
    std::optional<int64_t> speaker_;
    std::array<float, 3> scales_;
    const uint32_t seed_;
    const double speed_;
    UnitTimings& timings_;
    Stage stage_ = Stage::Phonemize;
    std::vector<float> samples_;
};

std::unique_ptr<UnitSynthesis> PiperSession::start(const std::string& text, const Voice& voice, const OptionValues& options, double speed,
                                                   UnitTimings& timings) {
    std::optional<int64_t> speaker;
    if (model_.num_speakers() > 1) {
        const auto* id = std::get_if<SpeakerId>(&voice);
        if (id == nullptr || *id < 0 || *id >= model_.num_speakers()) {
            throw Error(ErrorCode::InvalidArgument,
                        "a voice of this Piper model is a speaker id from 0 to " + std::to_string(model_.num_speakers() - 1), "voice");
        }
        speaker = *id;
    } else if (!std::holds_alternative<std::monostate>(voice)) {
        throw Error(ErrorCode::InvalidArgument, "this Piper model has one speaker and takes no speaker embedding or id", "voice");
    }
    const std::vector<OptionSpec>& specs = model_.option_specs();
    const std::array<float, 3> scales{static_cast<float>(option_value(specs, options, "noise_scale")),
                                      static_cast<float>(option_value(specs, options, "length_scale") / speed),
                                      static_cast<float>(option_value(specs, options, "noise_w"))};
    const auto seed = static_cast<uint32_t>(option_value(specs, options, "seed"));
    return std::make_unique<PiperUnit>(*this, text, speaker, scales, seed, speed, timings);
}

}  // namespace

ModelFamily PiperModel::model_family() {
    return {"piper", ModelKind::Speech,
            [](const FolderContents& contents) { return !contents.has_file("config.json") && !voice_stems(contents).empty(); }};
}

std::shared_ptr<const PiperModel> PiperModel::load(const std::filesystem::path& dir, const CompileOptions& options) {
    const std::vector<std::string> stems = voice_stems(read_folder_contents(dir));
    if (stems.size() != 1) {
        throw Error(ErrorCode::UnsupportedModel, dir.string() + " holds " + std::to_string(stems.size()) +
                                                     " Piper voices (<voice>.onnx with <voice>.onnx.json); give each its own folder");
    }
    const std::string stem = stems.front();
    const std::string config_name = stem + kConfigSuffix;
    const std::string where = config_name + " in " + dir.string();
    const nlohmann::json config = read_json_file(dir / config_name);
    if (!config.is_object()) throw Error(ErrorCode::UnsupportedModel, where + " is not a JSON object");

    const std::string phoneme_type = config.value("phoneme_type", std::string("espeak"));
    if (phoneme_type != "espeak") {
        throw Error(ErrorCode::UnsupportedModel, where + " has phoneme_type \"" + phoneme_type + "\"; ovspeech reads espeak voices only");
    }
    const nlohmann::json espeak = config.value("espeak", nlohmann::json::object());
    if (!espeak.is_object() || !espeak.contains("voice") || !espeak["voice"].is_string()) {
        throw Error(ErrorCode::UnsupportedModel, where + " names no espeak.voice");
    }
    EspeakPhonemizer phonemizer(espeak["voice"].get<std::string>());
    std::shared_ptr<PiperModel> model(new PiperModel(PhonemeIdMap::from_json(config, where), phonemizer));

    const double rate = json_number(config.value("audio", nlohmann::json::object()), "sample_rate", 0, where);
    if (!(rate >= 1000 && rate <= 384000) || rate != static_cast<double>(static_cast<uint32_t>(rate))) {
        throw Error(ErrorCode::UnsupportedModel, where + " has no audio.sample_rate between 1000 and 384000");
    }
    model->sample_rate_ = static_cast<uint32_t>(rate);
    model->num_speakers_ = static_cast<int64_t>(json_number(config, "num_speakers", 1, where));
    if (model->num_speakers_ < 1) throw Error(ErrorCode::UnsupportedModel, where + " has num_speakers below 1");
    const nlohmann::json speakers = config.value("speaker_id_map", nlohmann::json::object());
    if (!speakers.is_object()) throw Error(ErrorCode::UnsupportedModel, where + " has a speaker_id_map that is not an object");
    for (const auto& [speaker, id] : speakers.items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= model->num_speakers_) {
            throw Error(ErrorCode::UnsupportedModel,
                        "speaker_id_map[\"" + speaker + "\"] in " + where + " is not a speaker id below num_speakers");
        }
        model->speakers_[speaker] = id.get<int64_t>();
    }
    if (model->num_speakers_ > 1 && model->speakers_.empty()) {
        for (int64_t id = 0; id < model->num_speakers_; ++id) model->speakers_["speaker_" + std::to_string(id)] = id;
    }
    model->voice_name_ = config.value("dataset", std::string());
    if (model->voice_name_.empty()) model->voice_name_ = stem;

    const nlohmann::json inference = config.value("inference", nlohmann::json::object());
    const double noise_scale = json_number(inference, "noise_scale", 0.667, where);
    const double length_scale = json_number(inference, "length_scale", 1.0, where);
    const double noise_w = json_number(inference, "noise_w", 0.8, where);
    model->options_ = {
        {"noise_scale", noise_scale, 0, 2},       // how much the flow's noise varies the voice
        {"length_scale", length_scale, 0.1, 10},  // phoneme durations (speed divides it)
        {"noise_w", noise_w, 0, 2},               // how much the duration predictor's noise varies the rhythm
        {"seed", 0, 0, kMaxSeed, true},           // the noise drawn: the same seed and request give the same audio
    };
    for (const OptionSpec& spec : model->options_) {
        if (!(spec.default_value >= spec.min && spec.default_value <= spec.max)) {
            throw Error(ErrorCode::UnsupportedModel, where + " has inference." + spec.name + " " + std::to_string(spec.default_value) +
                                                         ", out of the range " + expected_value(spec));
        }
    }

    model->phonemizer_.check();

    const std::string onnx_name = stem + kOnnxSuffix;
    const std::shared_ptr<ov::Model> graph = read_model_file(dir / onnx_name);
    std::vector<std::string> needed{"input", "input_lengths", "scales"};
    if (model->num_speakers_ > 1) needed.push_back("sid");
    for (const std::string& input : needed) {
        const auto& inputs = graph->inputs();
        if (std::none_of(inputs.begin(), inputs.end(),
                         [&](const ov::Output<ov::Node>& port) { return port.get_names().count(input) > 0; })) {
            throw Error(ErrorCode::UnsupportedModel,
                        onnx_name + " in " + dir.string() + " has no input \"" + input + "\" as a Piper voice has");
        }
    }
    seed_random_ops(*graph, onnx_name);
    model->has_durations_ = expose_durations(*graph);
    // Every unit of text has its own input and output lengths.
    model->model_ = compile_ir(graph, onnx_name, options.device, options.dynamic_shape_properties());
    return model;
}

std::map<std::string, Voice> PiperModel::load_voices(const std::optional<std::filesystem::path>& extra_dir) const {
    if (extra_dir) throw Error(ErrorCode::InvalidArgument, "a Piper model takes no folder of further voices", "voices");
    std::map<std::string, Voice> voices;
    if (num_speakers_ == 1) {
        voices[voice_name_] = std::monostate{};
        return voices;
    }
    for (const auto& [name, id] : speakers_) voices[name] = SpeakerId{id};
    return voices;
}

size_t PiperModel::max_unit_tokens() const {
    return kMaxUnitIds;
}

void PiperModel::check_option_values(const OptionValues& /*values*/) const {}

std::unique_ptr<TtsSession> PiperModel::create_session() const {
    return std::make_unique<PiperSession>(*this, model_.create_infer_request());
}

}  // namespace ovspeech::tts
