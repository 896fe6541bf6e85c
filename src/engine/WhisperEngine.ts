import { invalidParameter } from '../errors.js';
import type {
  NativeSegment,
  NativeTimings,
  NativeTranscriptionEvent,
  NativeTranscriptionOptions,
  NativeWord,
  NativeWhisperModel,
  TokenLogprob,
} from '../native/AddonTypes.js';
import { addon, callNative } from '../native/binding.js';
import { NativeEngine, runTask } from './nativeTask.js';
import { optionalBoolean, poolAndCompile, type EngineOptions } from './options.js';

export type WhisperEngineOptions = EngineOptions;

/** PCM audio at any rate and channel count; resampled to 16 kHz mono in native code. */
export interface PcmAudio {
  /** Interleaved float samples, nominally in [-1, 1]. */
  samples: Float32Array;
  sampleRate: number;
  channels: number;
}

/** The parameters of OpenAI's /v1/audio/transcriptions, plus what the engine can do beyond them. */
export interface TranscribeOptions {
  /** ISO-639-1 code ("en"); detected from the first 30 s when absent. */
  language?: string;
  /** Text the audio follows on from: its style and spelling guide the transcript. */
  prompt?: string;
  /** 0 (default) decodes greedily; up to 1 samples. */
  temperature?: number;
  /** "segment" adds segments with timestamps; "word" adds words with timestamps (from cross-attention). */
  timestampGranularities?: ReadonlyArray<'segment' | 'word'>;
  /** Translate into English instead of transcribing. */
  task?: 'transcribe' | 'translate';
  /** Tokens decoded per 30 s window at most: 1 to the model's max_length (448 for OpenAI's Whisper). */
  maxNewTokens?: number;
  /** OpenAI Whisper's retry at higher temperatures for repetitive or unlikely windows. */
  temperatureFallback?: boolean;
  /** Seed of the sampler at temperature > 0. */
  seed?: number;
  /** Each text token's log-probability in the result (`logprobs`) and with each text delta. */
  logprobs?: boolean;
  signal?: AbortSignal;
  /**
   * Text as it is decoded: token by token without timestamps or fallback, window by window with
   * timestamps, at the end with fallback alone. With `logprobs`, the text tokens decoded since the
   * previous delta; all deltas' logprobs add up to the result's.
   */
  onText?: (delta: string, logprobs?: TokenLogprob[]) => void;
  /** Each segment once it is final (with segment timestamps). */
  onSegment?: (segment: Segment) => void;
}

export type { TokenLogprob };
export type Segment = NativeSegment;
export type Word = NativeWord;
/** The engine's timings; with chunking at speech, also the voice activity detection's (vadMs). */
export type TranscriptionTimings = NativeTimings & { vadMs?: number };

export interface Transcription {
  text: string;
  /** ISO-639-1 code of the spoken (or given) language. */
  language: string;
  languageProbability: number;
  /** Seconds of audio. */
  duration: number;
  tokens: number[];
  tokenLogprobs: number[];
  segments: Segment[];
  words: Word[];
  /**
   * With the logprobs option: one per token of `tokens` that `text` is made of, i.e. all but the special
   * tokens (a timestamp token decoded without timestamps is text such as "<|24.10|>"). Their bytes
   * joined, read as UTF-8, are `text`.
   */
  logprobs?: TokenLogprob[];
  timings: TranscriptionTimings;
}

const TASKS = ['transcribe', 'translate'] as const;

function toNativeOptions(options: TranscribeOptions): NativeTranscriptionOptions {
  const native: NativeTranscriptionOptions = {};
  if (options.language !== undefined) {
    if (typeof options.language !== 'string' || !/^[a-z]{2,3}$|^haw$|^yue$/.test(options.language)) {
      throw invalidParameter('ISO-639-1 language code such as "en"', 'language', options.language);
    }
    native.language = options.language;
  }
  if (options.prompt !== undefined) {
    if (typeof options.prompt !== 'string') throw invalidParameter('string', 'prompt', options.prompt);
    native.initialPrompt = options.prompt;
  }
  // Numbers are checked by the addon, in these words, where the model's own limits are known.
  if (options.temperature !== undefined) native.temperature = options.temperature;
  if (options.timestampGranularities !== undefined) {
    const granularities: unknown = options.timestampGranularities;
    if (!Array.isArray(granularities) || granularities.some((g) => g !== 'segment' && g !== 'word')) {
      throw invalidParameter('array of "segment" and "word"', 'timestamp_granularities', granularities);
    }
    native.timestamps = granularities.includes('segment');
    native.wordTimestamps = granularities.includes('word');
  }
  if (options.task !== undefined) {
    if (!(TASKS as readonly unknown[]).includes(options.task)) throw invalidParameter('one of transcribe, translate', 'task', options.task);
    native.task = options.task;
  }
  if (options.maxNewTokens !== undefined) native.maxNewTokens = options.maxNewTokens;
  const temperatureFallback = optionalBoolean(options.temperatureFallback, 'temperature_fallback');
  if (temperatureFallback !== undefined) native.temperatureFallback = temperatureFallback;
  if (options.seed !== undefined) native.seed = options.seed;
  const logprobs = optionalBoolean(options.logprobs, 'logprobs');
  if (logprobs !== undefined) native.logprobs = logprobs;
  return native;
}

function checkAudio(audio: PcmAudio): void {
  if (!(audio?.samples instanceof Float32Array)) throw invalidParameter('Float32Array', 'samples', audio?.samples);
  if (typeof audio.sampleRate !== 'number' || !Number.isInteger(audio.sampleRate)) {
    throw invalidParameter('integer', 'sample_rate', audio.sampleRate);
  }
  if (typeof audio.channels !== 'number' || !Number.isInteger(audio.channels)) throw invalidParameter('integer', 'channels', audio.channels);
}

/**
 * Workers when none are asked for: each decodes one window, and the windows' decoder steps run as one
 * batched inference, so more workers decode more windows per step (benchmarks/README.md).
 */
export const BATCHED_WORKERS = 8;

/** Whisper speech-to-text on one model folder, served by a pool of native workers. */
export class WhisperEngine extends NativeEngine<NativeWhisperModel> {
  static async load(modelDir: string, options: WhisperEngineOptions = {}): Promise<WhisperEngine> {
    const { compile, pool } = poolAndCompile(options, BATCHED_WORKERS);
    const model = await callNative(() => addon.loadWhisperModel(modelDir, compile, pool));
    return new WhisperEngine(modelDir, model);
  }

  /** The shortest audio transcribe() takes (more than n_fft / 2 samples at 16 kHz for OpenAI's Whisper). */
  get minimumAudio(): NativeWhisperModel['minimumAudio'] {
    return this.model.minimumAudio;
  }

  /**
   * Transcribes (or, with task "translate", translates into English) audio of any length. Never blocks
   * the event loop: the work runs on the native workers and results stream through the callbacks.
   */
  async transcribe(audio: PcmAudio, options: TranscribeOptions = {}): Promise<Transcription> {
    const caller = new Error();
    this.checkUsable();
    checkAudio(audio);
    const native = toNativeOptions(options);
    const { onText, onSegment } = options;
    const listener =
      onText || onSegment
        ? (event: NativeTranscriptionEvent) => {
            if (event.type === 'text') onText?.(event.delta, event.logprobs);
            else onSegment?.(event.segment);
          }
        : undefined;
    return runTask(
      (onEvent) => this.model.transcribe(audio.samples, audio.sampleRate, audio.channels, native, onEvent, onText !== undefined),
      listener,
      options.signal,
      caller,
    );
  }
}
