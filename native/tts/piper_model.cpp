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
constexpr const char* kNoiseOffset = "noise_offset";
constexpr const char* kDurations = "durations";
// Uniform noise the model's random ops read instead of drawing their own: 2^21 floats, each op starting
// 2^19 further on (2^19 is 32 s of the flow's noise at 22,050 Hz; beyond that an op's noise repeats),
// all of them a request's offset further, which its seed picks.
constexpr int64_t kNoiseTableSize = int64_t{1} << 21;
constexpr int64_t kNoiseOpStride = int64_t{1} << 19;
// Phoneme ids in one unit: about 500 phonemes, half a minute of speech.
constexpr size_t kMaxUnitIds = 1024;
constexpr double kMaxSeed = 4294967295.0;

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

// Uniform noise in (0, 1), never 0: the Box-Muller transform after it takes its logarithm.
std::vector<float> uniform_noise(size_t count) {
    std::mt19937 generator(0);
    std::vector<float> values(count);
    for (float& value : values) value = (static_cast<float>(generator() >> 8) + 0.5f) / 16777216.0f;
    return values;
}

// OpenVINO reads ONNX's RandomNormalLike as RandomUniform ops with seeds 0, which draw new noise on every
// inference: the same request would never give the same audio. Each is replaced by a lookup into one
// constant table of uniform noise, from an offset that is a model input, which a session sets from the
// request's seed. Returns that input. (The table as an input instead cost a fifth of each inference:
// 8 MB the plugin takes in again every time.)
std::shared_ptr<ov::op::v0::Parameter> seed_random_ops(ov::Model& model, const std::string& name) {
    const auto table = ov::op::v0::Constant::create(ov::element::f32, ov::Shape{static_cast<size_t>(kNoiseTableSize)},
                                                    uniform_noise(static_cast<size_t>(kNoiseTableSize)));
    auto offset = std::make_shared<ov::op::v0::Parameter>(ov::element::i64, ov::PartialShape{});
    offset->set_friendly_name(kNoiseOffset);
    offset->output(0).get_tensor().set_names({kNoiseOffset});
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
            std::make_shared<ov::op::v1::Add>(positions,
                                              ov::op::v0::Constant::create(ov::element::i64, ov::Shape{}, {index++ * kNoiseOpStride})),
            offset);
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
    model.add_parameters({offset});
    model.validate_nodes_and_infer_types();
    return offset;
}

// The graph's one Ceiling: VITS rounds each phoneme id's duration in frames (length_scale applied) up
// to whole frames there. Null when the graph has none or several.
std::shared_ptr<ov::Node> duration_rounding(const ov::Model& model) {
    std::shared_ptr<ov::Node> rounding;
    for (const std::shared_ptr<ov::Node>& node : model.get_ops()) {
        if (!ov::as_type_ptr<ov::op::v0::Ceiling>(node)) continue;
        if (rounding) return nullptr;
        rounding = node;
    }
    return rounding;
}

// The text encoder and duration predictor alone, from a copy of `model` (random ops already seeded): their
// one output is each phoneme id's duration before rounding, the Ceiling's input. Null without one Ceiling.
std::shared_ptr<ov::Model> durations_model(const ov::Model& model) {
    const std::shared_ptr<ov::Model> copy = model.clone();
    const std::shared_ptr<ov::Node> rounding = duration_rounding(*copy);
    if (!rounding) return nullptr;
    // Its parameters are those the durations depend on: a deterministic duration predictor reads no noise.
    return std::make_shared<ov::Model>(ov::OutputVector{rounding->input_value(0)}, "piper_durations");
}

// Frames of a unit whose durations (before rounding) are `durations` times `scale`.
double rounded_frames(const std::vector<float>& durations, double scale) {
    double frames = 0;
    for (const float duration : durations) frames += std::ceil(static_cast<double>(duration) * scale);
    return std::max(frames, 1.0);
}

// Rounding each duration up adds about half a frame per phoneme id whatever length_scale is, so that
// length_scale / speed misses 1/speed (on the joe voice: 1.80x the duration at speed 0.5, 0.59x at 2).
// Returns the factor of length_scale that brings the unit, whose durations at length_scale are
// `durations`, closest to 1/speed of its frames at length_scale, or to one frame per id where that is
// fewer: the middle of the factors that give that many frames, so that the model's own float arithmetic
// rounds to the same count. The durations are linear in the factor; their sum after rounding rises in steps.
double length_factor(const std::vector<float>& durations, double speed) {
    const double target = std::max(rounded_frames(durations, 1.0) / speed, static_cast<double>(durations.size()));
    double total = 0;
    for (const float duration : durations) total += duration;
    if (!(total > 0)) return 1.0 / speed;
    // The factors just below and at the least one that gives at least `frames` frames.
    const auto reaching = [&](double frames) {
        double below = 0;
        double above = frames / total;  // a duration rounded up is at least itself
        for (int i = 0; i < 64; ++i) {
            const double middle = (below + above) / 2;
            (rounded_frames(durations, middle) >= frames ? above : below) = middle;
        }
        return std::pair{below, above};
    };
    const auto [below, above] = reaching(target);
    const double over = rounded_frames(durations, above);
    const double under = rounded_frames(durations, below);
    const double frames = target - under < over - target ? under : over;
    return (reaching(frames).second + reaching(frames + 1).second) / 2;
}

// Where in the noise table a request's seed starts its noise.
int64_t noise_offset(uint32_t seed) {
    std::mt19937_64 generator(seed);
    return static_cast<int64_t>(generator() % static_cast<uint64_t>(kNoiseTableSize));
}

double json_number(const nlohmann::json& object, const char* key, double fallback, const std::string& where) {
    if (!object.is_object() || !object.contains(key)) return fallback;
    if (!object[key].is_number()) throw Error(ErrorCode::UnsupportedModel, where + " has a " + key + " that is not a number");
    return object[key].get<double>();
}

template <typename Ports>
bool has_port(const Ports& ports, const std::string& name) {
    return std::any_of(ports.begin(), ports.end(), [&](const auto& port) { return port.get_names().count(name) > 0; });
}

class PiperUnit;

class PiperSession : public TtsSession {
public:
    PiperSession(const PiperModel& model, const LaneVariants& compiled, const LaneVariants* durations, ComputeGate& compute)
        : model_(model), request_(compiled), compute_(compute), noise_offset_(ov::element::i64, ov::Shape{}) {
        if (durations) durations_.emplace(*durations);
    }

    std::unique_ptr<UnitSynthesis> start(std::vector<int64_t> tokens, const Voice& voice, const OptionValues& options, double speed,
                                         UnitTimings& timings) override;

    // espeak-ng's phonemes through the voice's phoneme_id_map; none when espeak-ng finds nothing to say.
    std::vector<int64_t> tokenize(const std::string& text) override {
        const std::string phonemes = model_.phonemizer().phonemize(text);
        return phonemes.empty() ? std::vector<int64_t>{} : model_.phoneme_ids().ids(phonemes);
    }

private:
    friend class PiperUnit;

    // The request of `requests` for an inference of this width, with the seed's noise.
    ov::InferRequest& request(LaneRequests& requests, bool wide, uint32_t seed) {
        *noise_offset_.data<int64_t>() = noise_offset(seed);
        ov::InferRequest& request = requests.get(wide);
        if (has_port(request.get_compiled_model().inputs(), kNoiseOffset)) request.set_tensor(kNoiseOffset, noise_offset_);
        return request;
    }

    const PiperModel& model_;
    LaneRequests request_;
    // The durations model's (PiperModel::has_durations).
    std::optional<LaneRequests> durations_;
    ComputeGate& compute_;
    ov::Tensor noise_offset_;
};

// One unit on a PiperSession: at a speed other than 1, the durations model to find the length_scale
// that gives 1/speed of the frames; then one inference of the whole model.
class PiperUnit : public UnitSynthesis {
public:
    PiperUnit(PiperSession& session, std::vector<int64_t> ids, std::optional<int64_t> speaker, std::array<float, 3> scales, uint32_t seed,
              double speed, UnitTimings& timings)
        : session_(session),
          ids_(std::move(ids)),
          length_(static_cast<int64_t>(ids_.size())),
          speaker_(speaker),
          scales_(scales),
          seed_(seed),
          speed_(speed),
          timings_(timings),
          stage_(ids_.empty()    ? Stage::Done
                 : speed_ == 1.0 ? Stage::Infer
                                 : Stage::Scale) {}

    bool step() override {
        switch (stage_) {
            case Stage::Scale:
                // Without the durations, length_scale alone: the unit misses 1/speed by what rounding adds.
                if (session_.durations_) {
                    scale_to_speed(durations());
                } else {
                    scales_[1] = static_cast<float>(scales_[1] / speed_);
                }
                stage_ = Stage::Infer;
                break;
            case Stage::Infer:
                infer();
                stage_ = Stage::Done;
                break;
            case Stage::Done:
                break;
        }
        return stage_ != Stage::Done;
    }

    std::vector<float> finish() override { return std::move(samples_); }

private:
    enum class Stage { Scale, Infer, Done };

    // length_scale brings the unit to 1/speed of its frames, down to one frame per phoneme id (on the joe
    // voice about a third of the frames at speed 1). Only a speed beyond that floor, 3 to 4, is time-stretched,
    // by the rest: what the model itself cannot reach.
    void scale_to_speed(const std::vector<float>& durations) {
        const double factor = length_factor(durations, speed_);
        scales_[1] = static_cast<float>(scales_[1] * factor);
        const double wanted = rounded_frames(durations, 1.0) / speed_;
        const double reached = rounded_frames(durations, factor);
        if (reached > wanted + 1) beyond_floor_ = reached / wanted;
    }

    void infer() {
        Stopwatch stopwatch;
        {
            const ComputeGate::Hold compute(session_.compute_, ComputeGate::Turn::First);
            ov::InferRequest& request = session_.request(session_.request_, compute.wide(), seed_);
            feed(request);
            request.infer();
            const ov::Tensor audio = request.get_tensor("output");
            samples_.assign(audio.data<const float>(), audio.data<const float>() + audio.get_size());
            // The frames the unit has: its output tokens, as SpeechT5 counts spectrogram frames.
            if (session_.model_.has_durations()) {
                timings_.decoder_steps += static_cast<size_t>(rounded_frames(values(request.get_tensor(kDurations)), 1.0));
            }
        }
        if (beyond_floor_) samples_ = time_stretch(samples_, session_.model_.sample_rate(), std::min(*beyond_floor_, kMaxSpeed));
        timings_.vocoder_ms += stopwatch.elapsed_ms();
    }

    // The unit's durations before rounding at the request's length_scale: the text encoder and duration
    // predictor only, timed as the encoder.
    std::vector<float> durations() {
        Stopwatch stopwatch;
        const ComputeGate::Hold compute(session_.compute_, ComputeGate::Turn::First);
        ov::InferRequest& request = session_.request(*session_.durations_, compute.wide(), seed_);
        feed(request);
        request.infer();
        std::vector<float> durations = values(request.get_output_tensor(0));
        timings_.encoder_ms += stopwatch.elapsed_ms();
        return durations;
    }

    static std::vector<float> values(const ov::Tensor& tensor) {
        return {tensor.data<const float>(), tensor.data<const float>() + tensor.get_size()};
    }

    void feed(ov::InferRequest& request) {
        const std::vector<ov::Output<const ov::Node>> inputs = request.get_compiled_model().inputs();
        request.set_tensor("input", ov::Tensor(ov::element::i64, ov::Shape{1, ids_.size()}, ids_.data()));
        request.set_tensor("input_lengths", ov::Tensor(ov::element::i64, ov::Shape{1}, &length_));
        request.set_tensor("scales", ov::Tensor(ov::element::f32, ov::Shape{3}, scales_.data()));
        if (speaker_ && has_port(inputs, "sid")) request.set_tensor("sid", ov::Tensor(ov::element::i64, ov::Shape{1}, &*speaker_));
    }

    PiperSession& session_;
    // Buffers the infer requests' input tensors point into: they must outlive infer().
    std::vector<int64_t> ids_;
    int64_t length_;
    std::optional<int64_t> speaker_;
    std::array<float, 3> scales_;
    const uint32_t seed_;
    const double speed_;
    UnitTimings& timings_;
    Stage stage_;
    std::vector<float> samples_;
    // The speed-up left for the time-stretch where length_scale reached its floor (scale_to_speed).
    std::optional<double> beyond_floor_;
};

std::unique_ptr<UnitSynthesis> PiperSession::start(std::vector<int64_t> tokens, const Voice& voice, const OptionValues& options,
                                                   double speed, UnitTimings& timings) {
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
                                      static_cast<float>(option_value(specs, options, "length_scale")),
                                      static_cast<float>(option_value(specs, options, "noise_w"))};
    const auto seed = static_cast<uint32_t>(option_value(specs, options, "seed"));
    return std::make_unique<PiperUnit>(*this, std::move(tokens), speaker, scales, seed, speed, timings);
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
        if (!has_port(graph->inputs(), input)) {
            throw Error(ErrorCode::UnsupportedModel,
                        onnx_name + " in " + dir.string() + " has no input \"" + input + "\" as a Piper voice has");
        }
    }
    seed_random_ops(*graph, onnx_name);
    const std::shared_ptr<ov::Model> durations = durations_model(*graph);
    if (durations) {
        // The full model's durations too, to count the frames a unit has.
        const std::shared_ptr<ov::Node> rounding = duration_rounding(*graph);
        rounding->input_value(0).get_tensor().add_names({kDurations});
        graph->add_results({std::make_shared<ov::op::v0::Result>(rounding->input_value(0))});
        model->has_durations_ = true;
    }
    // Every unit of text has its own input and output lengths.
    const ov::AnyMap properties = options.dynamic_shape_properties();
    model->model_ = compile_lane_variants(graph, onnx_name, options.device, properties, options);
    const int lane_threads = model->model_.lane_threads;
    if (durations) {
        model->durations_model_ = compile_lane_variants(durations, onnx_name + "'s durations", options.device, properties, lane_threads);
    }
    model->compute_ = std::make_unique<ComputeGate>(lane_threads > 0);
    model->compute_summary_ = summarize_compute(model->model_.wide, options.device, lane_threads);
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
    return std::make_unique<PiperSession>(*this, model_, has_durations_ ? &durations_model_ : nullptr, *compute_);
}

}  // namespace ovspeech::tts
