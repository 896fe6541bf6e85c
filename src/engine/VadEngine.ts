import os from 'node:os';

import type { NativeLiveVad, NativeLiveVadUpdate, NativeSpeechSpans, NativeVadModel, NativeVadOptions } from '../native/AddonTypes.js';
import { addon, callNative } from '../native/binding.js';
import { NativeEngine, runTask } from './nativeTask.js';
import { poolAndCompile, type EngineOptions } from './options.js';

export type {
  NativeLiveVadEvent as LiveVadEvent,
  NativeLiveVadUpdate as LiveVadUpdate,
  NativeVadOptions as VadOptions,
  SpeechSpan,
} from '../native/AddonTypes.js';

export interface DetectOptions extends NativeVadOptions {
  signal?: AbortSignal;
}

/**
 * Voice activity detection (Silero VAD) on one model folder, served by a pool of native workers. Its
 * inferences run on one thread each, in f32 on the CPU whatever the server's device: a worker per core
 * by default.
 */
export class VadEngine extends NativeEngine<NativeVadModel> {
  static async load(modelDir: string, options: EngineOptions = {}): Promise<VadEngine> {
    // Compile settings are the other engines': this model always runs on the CPU in f32.
    const { workers, maxQueued } = options;
    const { pool } = poolAndCompile(
      { ...(workers === undefined ? {} : { workers }), ...(maxQueued === undefined ? {} : { maxQueued }) },
      os.availableParallelism(),
    );
    const model = await callNative(() => addon.loadVadModel(modelDir, pool));
    return new VadEngine(modelDir, model);
  }

  /** A live stream of mono audio at `sampleRate`, segmented with `options` as it arrives. */
  createLive(sampleRate: number, options: NativeVadOptions = {}): LiveSpeech {
    this.checkUsable();
    return new LiveSpeech(this.model, this.model.createLive(sampleRate, options));
  }

  /** The spans of speech in `samples` (interleaved, any rate and channel count), in seconds. */
  async detectSpeech(samples: Float32Array, sampleRate: number, channels: number, options: DetectOptions = {}): Promise<NativeSpeechSpans> {
    const caller = new Error();
    this.checkUsable();
    const { signal, ...native } = options;
    return runTask(() => this.model.detectSpeech(samples, sampleRate, channels, native), undefined, signal, caller);
  }
}

/**
 * The speech of a live stream as its audio arrives (a realtime session's turns), on the engine's workers.
 * Pushes run one after the other, whenever they are made.
 */
export class LiveSpeech {
  #last: Promise<unknown> = Promise.resolve();

  // A push after the engine is disposed fails in the addon (UNAVAILABLE), as every job does.
  constructor(
    private readonly model: NativeVadModel,
    private readonly live: NativeLiveVad,
  ) {}

  /** What the next samples complete: starts and ends of speech, in samples of the stream from its start. */
  push(samples: Float32Array, signal?: AbortSignal): Promise<NativeLiveVadUpdate> {
    const caller = new Error();
    const run = this.#last.then(() => runTask(() => this.model.pushLive(this.live, samples), undefined, signal, caller));
    this.#last = run.catch(() => undefined);
    return run;
  }
}
