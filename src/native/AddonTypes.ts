/** The hand-written interface of build/Release/ovspeech.node (native/addon/module.cpp). */
import type { OvSpeechError } from '../errors.js';

export interface PortInfo {
  names: string[];
  elementType: string;
  /** OpenVINO partial-shape notation, e.g. "[?,80,3000]". */
  shape: string;
}

export interface IrInfo {
  /** File stem, e.g. "openvino_encoder_model". */
  name: string;
  stateful: boolean;
  inputs: PortInfo[];
  outputs: PortInfo[];
}

export interface ModelFolderInfo {
  path: string;
  /** config.json's model_type; "" for a folder without config.json (a Piper voice). */
  modelType: string;
  /** config.json, serialized; "" without one. */
  config: string;
  irs: IrInfo[];
}

/** What serves a family's models. */
export type ModelKind = 'transcription' | 'speech' | 'vad';

/** Which family recognizes a folder (native/common/model_family.h). */
export interface FamilyDetection {
  /** The family that recognizes the folder; null when none does. */
  family: string | null;
  /** The kind of engine that serves the family; null with no family. */
  kind: ModelKind | null;
  /**
   * A folder of a family, or one that looks like a model no family serves (config.json naming an unknown
   * model_type, an unreadable config.json, an OpenVINO IR): a model folder, and nothing below it is one.
   */
  modelFolder: boolean;
  /** Why no family recognizes the folder; "" when one does. */
  reason: string;
}

export interface DeviceInfo {
  name: string;
  fullName: string;
}

/** Limits of the native synthesizer, which every layer checks against. */
export interface SpeechLimits {
  readonly maxInputCharacters: number;
  readonly minSpeed: number;
  readonly maxSpeed: number;
}

export interface Addon {
  readonly openvinoVersion: string;
  readonly speechLimits: SpeechLimits;
  /** Native errors are created as `new errorClass(message, code)`. */
  setErrorClass(errorClass: typeof OvSpeechError): void;
  availableDevices(): Promise<DeviceInfo[]>;
  /** Asks each family ovspeech serves whether `dir` is its folder; MODEL_NOT_FOUND for a missing folder. */
  detectFamily(dir: string): Promise<FamilyDetection>;
  inspectModel(dir: string): Promise<ModelFolderInfo>;
  /**
   * Where the first sentence of text still arriving ends (UTF-16 index, its white space included), by the
   * splitter's rules, cut within maxCharacters code points; 0 while the text so far cannot tell. With
   * `final`, what is left is one sentence. Synchronous: for a pending sentence, not a whole document.
   */
  nextSentenceEnd(text: string, maxCharacters: number, final: boolean): number;
  loadWhisperModel(dir: string, compile: CompileSettings, pool: PoolSettings): Promise<NativeWhisperModel>;
  loadSpeechModel(dir: string, compile: CompileSettings, pool: PoolSettings, voices: VoiceSettings): Promise<NativeSpeechModel>;
  /** Always on the CPU in f32: a voice activity detector takes no compile settings. */
  loadVadModel(dir: string, pool: PoolSettings): Promise<NativeVadModel>;
}

export interface CompileSettings {
  device?: string;
  performanceHint?: 'LATENCY' | 'THROUGHPUT' | 'CUMULATIVE_THROUGHPUT';
  numStreams?: number;
  inferencePrecision?: 'f32' | 'f16' | 'bf16';
  cacheDir?: string;
  /** Any other OpenVINO property by name (OpenVINO Model Server's plugin_config). */
  pluginConfig?: Record<string, string | number | boolean>;
}

export interface PoolSettings {
  workers: number;
  maxQueued: number;
}

export interface PoolStats {
  workers: number;
  queued: number;
  running: number;
  completed: number;
  maxQueued: number;
}

/** How a model's inferences use the device, as compiled. */
export interface ComputeSummary {
  readonly device: string;
  /** The element type the device computes in (bf16, f32, …); empty where the device does not say. */
  readonly precision: string;
  /** Threads of an inference on every core; 0 where the device does not say. */
  readonly threads: number;
  /** Threads of one lane when inferences run in two lanes beside each other under load (Whisper on the CPU), else 0. */
  readonly laneThreads: number;
}

export interface NativeTranscriptionOptions {
  language?: string;
  task?: 'transcribe' | 'translate';
  timestamps?: boolean;
  wordTimestamps?: boolean;
  initialPrompt?: string;
  maxNewTokens?: number;
  temperature?: number;
  temperatureFallback?: boolean;
  seed?: number;
  /** Adds `logprobs` to the result and to each text event. */
  logprobs?: boolean;
}

/** A text token of the transcript with its log-probability (OpenAI's include[]=logprobs). */
export interface TokenLogprob {
  /** `bytes` as UTF-8; U+FFFD stands for a part of a character. */
  token: string;
  logprob: number;
  /** The token's own bytes: byte-level BPE can end a token inside a UTF-8 character. */
  bytes: number[];
}

export interface NativeSegment {
  id: number;
  seek: number;
  start: number;
  end: number;
  text: string;
  tokens: number[];
  temperature: number;
  avgLogprob: number;
  compressionRatio: number;
  noSpeechProb: number;
}

export interface NativeWord {
  word: string;
  start: number;
  end: number;
  tokens: number[];
  /** Mean probability of the word's tokens. */
  probability: number;
}

export interface NativeTimings {
  queuedMs: number;
  featuresMs: number;
  encoderMs: number;
  decoderMs: number;
  decodedTokens: number;
  wordTimestampsMs: number;
  totalMs: number;
}

export interface NativeTranscription {
  text: string;
  tokens: number[];
  tokenLogprobs: number[];
  language: string;
  languageProbability: number;
  duration: number;
  segments: NativeSegment[];
  words: NativeWord[];
  /**
   * With the logprobs option: one per token of `tokens` that `text` is made of, i.e. all but the special
   * tokens (a timestamp token decoded without timestamps is text such as "<|24.10|>"). Their bytes
   * joined, read as UTF-8, are `text`.
   */
  logprobs?: TokenLogprob[];
  timings: NativeTimings;
}

export type NativeTranscriptionEvent =
  /** `logprobs` (with the option): the text tokens decoded since the previous text event. */
  { type: 'text'; delta: string; logprobs?: TokenLogprob[] } | { type: 'segment'; segment: NativeSegment };

export interface NativeTask<T> {
  promise: Promise<T>;
  /** Stops the job within one decoder step, or before it starts. */
  cancel(): void;
}

export interface NativeWhisperModel {
  /** The shortest audio transcribe() takes: `samples` at `sampleRate`, as the feature extractor's config rules. */
  readonly minimumAudio: { readonly samples: number; readonly sampleRate: number };
  readonly compute: ComputeSummary;
  transcribe(
    samples: Float32Array,
    sampleRate: number,
    channels: number,
    options: NativeTranscriptionOptions,
    onEvent?: (event: NativeTranscriptionEvent) => void,
    /** Whether onEvent wants text as it is decoded; without it only segments are posted, and no text is detokenized per token. */
    textEvents?: boolean,
  ): NativeTask<NativeTranscription>;
  stats(): PoolStats;
  dispose(): Promise<void>;
}

export interface VoiceSettings {
  /** A folder of further <name>.bin speaker embeddings. */
  extraDir?: string;
  /** Further names (the OpenAI voices, say) for the model's voices. */
  aliases?: Record<string, string>;
}

export interface NativeSpeechOptions {
  /** A voice of the model, an alias, or an OpenAI voice name; the default voice when absent. */
  voice?: string;
  /** 0.25 to 4; pitch is kept. */
  speed?: number;
  /** Spell out numbers, currency, percentages and abbreviations (English). On by default. */
  normalize?: boolean;
  /** Synthesize sentence by sentence, streaming each one. On by default; off, the input is one unit. */
  splitSentences?: boolean;
  /** Seconds of silence between sentences at speed 1 (0.25 by default); it scales with the speed. */
  sentencePause?: number;
  /** Rate of the audio handed out (1000 to 384000 Hz), resampled on the worker; the model's own by default. */
  sampleRate?: number;
  /** The model family's own options by name (NativeSpeechModel.familyOptions), e.g. SpeechT5's maxlenratio. */
  familyOptions?: Record<string, number>;
}

/** One option of a model family: the value it takes when absent, and the range a value must fall in. */
export interface FamilyOptionSpec {
  name: string;
  default: number;
  min: number;
  max: number;
  integer: boolean;
}

export interface NativeSpeechTimings {
  queuedMs: number;
  normalizeMs: number;
  tokenizerMs: number;
  encoderMs: number;
  decoderMs: number;
  postnetMs: number;
  vocoderMs: number;
  stretchMs: number;
  decoderSteps: number;
  totalMs: number;
}

export interface NativeSpeechSummary {
  units: number;
  samples: number;
  sampleRate: number;
  timings: NativeSpeechTimings;
}

export interface NativeSpeechModel {
  readonly sampleRate: number;
  readonly family: string;
  /** The options synthesize() takes in familyOptions (SpeechT5: minlenratio, maxlenratio, threshold). */
  readonly familyOptions: readonly FamilyOptionSpec[];
  readonly compute: ComputeSummary;
  synthesize(text: string, options: NativeSpeechOptions, onChunk?: (chunk: Float32Array) => void): NativeTask<NativeSpeechSummary>;
  voices(): { names: string[]; default: string };
  /** Whether synthesize() takes the voice name. */
  hasVoice(voice: string): boolean;
  /** Throws synthesize()'s own INVALID_ARGUMENT for a voice it would refuse, with `param` as the error's param. */
  checkVoice(voice: string, param: string): void;
  stats(): PoolStats;
  dispose(): Promise<void>;
}

/** How speech is told from silence (native/vad/speech_segmenter.h); each option has Silero's default. */
export interface NativeVadOptions {
  /** A 32 ms frame at or above this speech probability is speech (default 0.5). */
  threshold?: number;
  /** Speech ends only below this probability (default threshold - 0.15, at least 0.01). */
  negThreshold?: number;
  /** Spans of speech shorter than this are dropped (default 250). */
  minSpeechMs?: number;
  /** Speech ends after this much silence (default 100). */
  minSilenceMs?: number;
  /** Each span is widened by this much on both sides (default 30). */
  speechPadMs?: number;
  /** Spans longer than this are cut at their longest pause; 0 for no limit (default). */
  maxSpeechMs?: number;
}

/** A span of speech, in seconds of the input. */
export interface SpeechSpan {
  start: number;
  end: number;
}

export interface NativeSpeechSpans {
  spans: SpeechSpan[];
  /** Seconds of audio. */
  duration: number;
  timings: { queuedMs: number; totalMs: number };
}

/** A start or an end of speech in a live stream, in samples of its rate from its start. */
export interface NativeLiveVadEvent {
  type: 'started' | 'stopped';
  /** Where speech started, or where the span that stopped ends. */
  at: number;
  /** Where the span started (for "stopped"; `at` for "started"). */
  start: number;
}

export interface NativeLiveVadUpdate {
  events: NativeLiveVadEvent[];
  /** 32 ms frames scored, and of them those at or above the threshold. */
  frames: number;
  speechFrames: number;
  /**
   * While speech pauses after the push: the span it ends as if the pause lasts ([start, at), as a "stopped"
   * event would give it) and the silence so far, in samples; null otherwise.
   */
  pause: { start: number; at: number; silence: number } | null;
}

/** A live stream's handle (native/vad/live_vad.h). */
export type NativeLiveVad = { readonly __liveVad: unique symbol };

export interface NativeVadModel {
  readonly compute: ComputeSummary;
  /** Finds the speech in interleaved samples of any rate and channel count. */
  detectSpeech(samples: Float32Array, sampleRate: number, channels: number, options: NativeVadOptions): NativeTask<NativeSpeechSpans>;
  /** A live stream of mono audio at `sampleRate`. */
  createLive(sampleRate: number, options: NativeVadOptions): NativeLiveVad;
  /** The next samples of a live stream, one push after the other. */
  pushLive(live: NativeLiveVad, samples: Float32Array): NativeTask<NativeLiveVadUpdate>;
  stats(): PoolStats;
  dispose(): Promise<void>;
}
