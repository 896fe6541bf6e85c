import { invalidParameter, OvSpeechError } from '../errors.js';
import type { FamilyOptionSpec, NativeSpeechModel, NativeSpeechOptions, NativeSpeechTimings, VoiceSettings } from '../native/AddonTypes.js';
import { addon, callNative } from '../native/binding.js';
import { NativeEngine, runTask } from './nativeTask.js';
import { optionalBoolean, poolAndCompile, type EngineOptions } from './options.js';

export interface SpeechEngineOptions extends EngineOptions {
  /** A folder of further <name>.bin speaker embeddings. */
  voicesDir?: string;
  /** Further names for the model's voices; OpenAI's voice names not given here take its voices in turn. */
  voiceAliases?: Record<string, string>;
}

/** The parameters of OpenAI's /v1/audio/speech, plus what the engine can do beyond them. */
export interface SpeakOptions extends NativeSpeechOptions {
  /** Keep the whole waveform for the result (default); off when only the chunks are wanted. */
  collect?: boolean;
  signal?: AbortSignal;
  /** Each sentence's audio as soon as it is synthesized. */
  onChunk?: (chunk: Float32Array) => void;
}

export type SpeechTimings = NativeSpeechTimings;
export type { FamilyOptionSpec };

export interface Speech {
  /** Mono float samples at sampleRate, the one asked for or the model's (empty when collect is off). */
  audio: Float32Array;
  sampleRate: number;
  /** Seconds of audio. */
  duration: number;
  /** Sentences synthesized. */
  units: number;
  timings: SpeechTimings;
  /** Processing time over audio duration (below 1 is faster than real time). */
  realTimeFactor: number;
}

/** The native synthesizer's limits, so that every layer checks the same numbers. */
export const SPEECH_LIMITS = addon.speechLimits;
export const MAX_INPUT_CHARACTERS = SPEECH_LIMITS.maxInputCharacters;

function toNativeOptions(options: SpeakOptions): NativeSpeechOptions {
  const native: NativeSpeechOptions = {};
  if (options.voice !== undefined) {
    if (typeof options.voice !== 'string' || options.voice === '') throw invalidParameter('non-empty string', 'voice', options.voice);
    native.voice = options.voice;
  }
  // The addon checks the numbers itself, with invalidParameter's wording and each option's own range.
  for (const key of ['speed', 'sentencePause', 'sampleRate'] as const) {
    if (options[key] !== undefined) native[key] = options[key];
  }
  // The addon checks each family option against the family's specs, naming any it does not have.
  if (options.familyOptions !== undefined) native.familyOptions = options.familyOptions;
  const normalize = optionalBoolean(options.normalize, 'normalize');
  if (normalize !== undefined) native.normalize = normalize;
  const split = optionalBoolean(options.splitSentences, 'split_sentences');
  if (split !== undefined) native.splitSentences = split;
  return native;
}

function concatenate(chunks: Float32Array[], length: number): Float32Array {
  const audio = new Float32Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    audio.set(chunk, offset);
    offset += chunk.length;
  }
  return audio;
}

/** Text-to-speech on one model folder of any family the addon knows, served by a pool of native workers. */
export class SpeechEngine extends NativeEngine<NativeSpeechModel> {
  static async load(modelDir: string, options: SpeechEngineOptions = {}): Promise<SpeechEngine> {
    const { voicesDir, voiceAliases, ...engine } = options;
    const { compile, pool } = poolAndCompile(engine);
    const voices: VoiceSettings = {};
    if (voicesDir !== undefined) voices.extraDir = voicesDir;
    if (voiceAliases !== undefined) voices.aliases = voiceAliases;
    const model = await callNative(() => addon.loadSpeechModel(modelDir, compile, pool, voices));
    return new SpeechEngine(modelDir, model);
  }

  get sampleRate(): number {
    return this.model.sampleRate;
  }

  /** The model family, from config.json's model_type. */
  get family(): string {
    return this.model.family;
  }

  /** The options this model's family takes in SpeakOptions.familyOptions, with defaults and ranges. */
  get familyOptions(): readonly FamilyOptionSpec[] {
    return this.model.familyOptions;
  }

  /** Every voice name synthesize() accepts, and the one it uses when none is given. */
  voices(): { names: string[]; default: string } {
    return this.model.voices();
  }

  /** Whether synthesize() takes `voice`. */
  hasVoice(voice: string): boolean {
    return this.model.hasVoice(voice);
  }

  /** Fails as synthesize() would for a voice it does not have, before any work starts; `param` names the field. */
  checkVoice(voice: string | undefined, param = 'voice'): void {
    if (voice !== undefined) this.model.checkVoice(voice, param);
  }

  /**
   * Synthesizes up to 4096 characters. Never blocks the event loop; with onChunk, each sentence's audio
   * arrives as soon as it is done, before the whole text is.
   */
  async synthesize(text: string, options: SpeakOptions = {}): Promise<Speech> {
    const caller = new Error();
    this.checkUsable();
    if (typeof text !== 'string') throw invalidParameter('string', 'input', text);
    const characters = [...text].length;
    if (characters > MAX_INPUT_CHARACTERS) {
      throw new OvSpeechError(`input has ${characters} characters; at most ${MAX_INPUT_CHARACTERS} are allowed`, 'INVALID_ARGUMENT', {
        param: 'input',
      });
    }
    const native = toNativeOptions(options);
    const collect = optionalBoolean(options.collect, 'collect') ?? true;
    const chunks: Float32Array[] = [];
    const listener = (chunk: Float32Array) => {
      if (collect) chunks.push(chunk);
      options.onChunk?.(chunk);
    };
    const summary = await runTask((onEvent) => this.model.synthesize(text, native, onEvent), listener, options.signal, caller);
    const duration = summary.samples / summary.sampleRate;
    return {
      audio: concatenate(chunks, collect ? summary.samples : 0),
      sampleRate: summary.sampleRate,
      duration,
      units: summary.units,
      timings: summary.timings,
      realTimeFactor: duration > 0 ? summary.timings.totalMs / 1000 / duration : 0,
    };
  }
}
