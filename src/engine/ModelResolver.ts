import { OvSpeechError, type ErrorCode } from '../errors.js';
import type { ModelKind } from '../native/AddonTypes.js';
import type { ModelEntry, ModelRegistry } from './ModelRegistry.js';
import type { SpeechEngine } from './SpeechEngine.js';
import type { VadEngine } from './VadEngine.js';
import type { WhisperEngine } from './WhisperEngine.js';

export interface EngineOfKind {
  transcription: WhisperEngine;
  speech: SpeechEngine;
  vad: VadEngine;
}

/** A request's model: its engine, held until release() (see ModelRegistry.lease). */
export interface ResolvedModel<K extends ModelKind> {
  readonly id: string;
  readonly engine: EngineOfKind[K];
  release(): void;
}

/** Why a request's model cannot serve it; each API reports it under this name. */
export type ModelProblem = 'model_not_found' | 'model_loading' | 'model_unloading' | 'model_unavailable' | 'model_not_supported';

/** A request's model that cannot serve it, whatever the protocol: always about the parameter `model`. */
export class ModelResolutionError extends OvSpeechError {
  constructor(
    message: string,
    code: ErrorCode,
    readonly problem: ModelProblem,
    /** Seconds after which the same request may succeed, when waiting helps. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message, code, { param: 'model' });
    this.name = 'ModelResolutionError';
  }
}

/** Models are loading: the same request is likely to succeed after this many seconds. */
const LOADING_RETRY_SECONDS = 5;
/** A model is unloading: once it is unloaded, the same request loads it again. */
const UNLOADING_RETRY_SECONDS = 1;

export function modelNotFound(id: string): ModelResolutionError {
  return new ModelResolutionError(`The model '${id}' does not exist`, 'MODEL_NOT_FOUND', 'model_not_found');
}

/**
 * OpenAI's model names, which clients send unchanged: they mean the server's default model of the kind.
 * A model folder of the same name wins over the alias.
 */
const OPENAI_MODELS: Record<ModelKind, readonly string[]> = {
  transcription: ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe', 'gpt-4o-transcribe-diarize'],
  speech: ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'],
  vad: [],
};

/**
 * Whether a model serves requests, or would once loaded again: ready, unloaded or unloading (loaded on the
 * next request), or loading again after it served. A model loading for the first time, or failed, does not.
 */
export function servable(entry: ModelEntry): boolean {
  return entry.state === 'ready' || entry.state === 'unloaded' || entry.state === 'unloading' || (entry.state === 'loading' && entry.served === true);
}

/** Picks the engine a request runs on and leases it, or says exactly why none can serve it. */
export class ModelResolver {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly defaults: Record<ModelKind, string | undefined>,
  ) {}

  /**
   * As resolve(), but a model that is unloaded, or loading again after it served, is loaded first and
   * waited for (until `signal` aborts): a request for it is served, not refused.
   */
  async acquire<K extends ModelKind>(kind: K, requested: string | undefined, signal?: AbortSignal): Promise<ResolvedModel<K>> {
    const entry = this.#entry(kind, requested);
    if (entry.state === 'unloaded' || (entry.state === 'loading' && entry.served === true)) {
      const loaded = this.registry.ensureLoaded(entry.id);
      if (signal === undefined) await loaded;
      else {
        signal.throwIfAborted();
        await new Promise<void>((resolve, reject) => {
          const abort = () => reject(signal.reason);
          signal.addEventListener('abort', abort, { once: true });
          loaded
            .then(
              () => resolve(),
              (error: unknown) => reject(error),
            )
            .finally(() => signal.removeEventListener('abort', abort));
        });
      }
    }
    return this.resolve(kind, requested);
  }

  /**
   * The model a request for `requested` would get, not leased: it exists and is of the kind (loaded or
   * not). For settings checked before any request runs, such as a realtime session's model.
   */
  find(kind: ModelKind, requested: string | undefined): ModelEntry {
    const entry = this.#entry(kind, requested);
    if (entry.kind !== undefined && entry.kind !== kind) {
      throw new ModelResolutionError(
        `The model '${entry.id}' is a ${entry.kind} model, not a ${kind} model`,
        'INVALID_ARGUMENT',
        'model_not_supported',
      );
    }
    return entry;
  }

  /** The model for `requested` (else the default of the kind), leased: release it once the request is over. */
  resolve<K extends ModelKind>(kind: K, requested: string | undefined): ResolvedModel<K> {
    const entry = this.#entry(kind, requested);
    if (entry.state === 'unloading') {
      throw new ModelResolutionError(
        `The model '${entry.id}' is unloading; try again shortly`,
        'UNAVAILABLE',
        'model_unloading',
        UNLOADING_RETRY_SECONDS,
      );
    }
    if (entry.state === 'unloaded') {
      // Only acquire() waits for a load; this caller is told to come back once it is done.
      void this.registry.ensureLoaded(entry.id);
      throw new ModelResolutionError(`The model '${entry.id}' is loading; try again shortly`, 'UNAVAILABLE', 'model_loading', LOADING_RETRY_SECONDS);
    }
    if (entry.state === 'loading') {
      throw new ModelResolutionError(
        `The model '${entry.id}' is still loading; try again shortly`,
        'UNAVAILABLE',
        'model_loading',
        LOADING_RETRY_SECONDS,
      );
    }
    if (entry.state === 'failed' || entry.loaded === undefined) {
      // Whatever the load error's code, the request itself is fine: the server cannot serve this model.
      const why = entry.error ? ` (${entry.error.code})` : '';
      throw new ModelResolutionError(`The model '${entry.id}' failed to load${why}; see /health`, 'UNAVAILABLE', 'model_unavailable');
    }
    if (entry.loaded.kind !== kind) {
      throw new ModelResolutionError(
        `The model '${entry.id}' is a ${entry.loaded.kind} model, not a ${kind} model`,
        'INVALID_ARGUMENT',
        'model_not_supported',
      );
    }
    // Ready and of the kind, checked in this same turn of the event loop: the lease cannot miss.
    const lease = this.registry.lease(entry.id)!;
    return { id: lease.id, engine: lease.loaded.engine as EngineOfKind[K], release: lease.release };
  }

  /** Every loaded model of the kind, in id order; for use within the caller's synchronous code only. */
  readyModels<K extends ModelKind>(kind: K): { id: string; engine: EngineOfKind[K] }[] {
    return this.registry
      .list()
      .filter((entry) => entry.loaded?.kind === kind)
      .map((entry) => ({ id: entry.id, engine: entry.loaded!.engine as EngineOfKind[K] }));
  }

  /** The configured default, else the first model folder of the kind (in id order) that serves or can be loaded to. */
  defaultId(kind: ModelKind): string | undefined {
    return this.defaults[kind] ?? this.registry.list().find((entry) => entry.kind === kind && servable(entry))?.id;
  }

  #entry(kind: ModelKind, requested: string | undefined): ModelEntry {
    if (requested !== undefined) {
      const entry = this.registry.get(requested);
      if (entry !== undefined) return entry;
      if (!OPENAI_MODELS[kind].includes(requested)) throw modelNotFound(requested);
    }
    const id = this.defaultId(kind);
    if (id !== undefined) {
      const entry = this.registry.get(id);
      if (entry === undefined) throw modelNotFound(id);
      return entry;
    }
    if (this.registry.list().some((entry) => entry.state === 'loading')) {
      throw new ModelResolutionError(
        `No ${kind} model is ready yet; models are still loading`,
        'UNAVAILABLE',
        'model_loading',
        LOADING_RETRY_SECONDS,
      );
    }
    throw new ModelResolutionError(`This server has no ${kind} model`, 'MODEL_NOT_FOUND', 'model_not_found');
  }
}

/** The voice activity detector a request that cuts its audio at speech runs on (the first, in id order). */
export async function resolveVad(resolver: ModelResolver): Promise<ResolvedModel<'vad'>> {
  try {
    return await resolver.acquire('vad', undefined);
  } catch (error) {
    if (!(error instanceof ModelResolutionError)) throw error;
    // The request is about its chunking, not its model: without a detector it cannot be served as asked.
    const code = error.code === 'MODEL_NOT_FOUND' ? 'INVALID_ARGUMENT' : error.code;
    throw new OvSpeechError(`chunking_strategy needs a voice activity detector: ${error.message}`, code, {
      param: 'chunking_strategy',
    });
  }
}
