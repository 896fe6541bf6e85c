import type { ModelEntry, ModelRegistry } from '../engine/ModelRegistry.js';
import type { SpeechEngine } from '../engine/SpeechEngine.js';
import type { WhisperEngine } from '../engine/WhisperEngine.js';
import { ApiError } from './errors.js';

export interface EngineOfKind {
  transcription: WhisperEngine;
  speech: SpeechEngine;
}
export type ModelKind = keyof EngineOfKind;

/**
 * OpenAI's model names, which clients send unchanged: they mean the server's default model of the kind.
 * A model folder of the same name wins over the alias.
 */
const OPENAI_MODELS: Record<ModelKind, readonly string[]> = {
  transcription: ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe', 'gpt-4o-transcribe-diarize'],
  speech: ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'],
};

const WHAT: Record<ModelKind, string> = { transcription: 'transcription', speech: 'speech' };

function notFound(id: string): ApiError {
  return new ApiError(404, `The model '${id}' does not exist`, 'invalid_request_error', 'model_not_found', 'model');
}

/** Picks the engine a request runs on, or says exactly why none can serve it. */
export class ModelResolver {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly defaults: Record<ModelKind, string | undefined>,
  ) {}

  resolve<K extends ModelKind>(kind: K, requested: string | undefined): { id: string; engine: EngineOfKind[K] } {
    const entry = this.#entry(kind, requested);
    if (entry.state === 'loading') {
      throw new ApiError(503, `The model '${entry.id}' is still loading; try again shortly`, 'server_error', 'model_loading', 'model', {
        'Retry-After': '5',
      });
    }
    if (entry.state === 'failed' || entry.loaded === undefined) {
      // Whatever the load error's code, the request itself is fine: the server cannot serve this model.
      const why = entry.error ? ` (${entry.error.code})` : '';
      throw new ApiError(503, `The model '${entry.id}' failed to load${why}; see /health`, 'server_error', 'model_unavailable', 'model');
    }
    if (entry.loaded.kind !== kind) {
      throw new ApiError(
        400,
        `The model '${entry.id}' is a ${entry.loaded.kind} model, not a ${WHAT[kind]} model`,
        'invalid_request_error',
        'model_not_supported',
        'model',
      );
    }
    return { id: entry.id, engine: entry.loaded.engine as EngineOfKind[K] };
  }

  /** Every loaded model of the kind, in id order. */
  readyModels<K extends ModelKind>(kind: K): { id: string; engine: EngineOfKind[K] }[] {
    return this.registry
      .list()
      .filter((entry) => entry.loaded?.kind === kind)
      .map((entry) => ({ id: entry.id, engine: entry.loaded!.engine as EngineOfKind[K] }));
  }

  /** The configured default, else the first model folder of the kind (in id order). */
  defaultId(kind: ModelKind): string | undefined {
    return this.defaults[kind] ?? this.registry.list().find((entry) => entry.loaded?.kind === kind)?.id;
  }

  #entry(kind: ModelKind, requested: string | undefined): ModelEntry {
    if (requested !== undefined) {
      const entry = this.registry.get(requested);
      if (entry !== undefined) return entry;
      if (!OPENAI_MODELS[kind].includes(requested)) throw notFound(requested);
    }
    const id = this.defaultId(kind);
    if (id !== undefined) {
      const entry = this.registry.get(id);
      if (entry === undefined) throw notFound(id);
      return entry;
    }
    if (this.registry.list().some((entry) => entry.state === 'loading')) {
      throw new ApiError(503, `No ${WHAT[kind]} model is ready yet; models are still loading`, 'server_error', 'model_loading', 'model', {
        'Retry-After': '5',
      });
    }
    throw new ApiError(404, `This server has no ${WHAT[kind]} model`, 'invalid_request_error', 'model_not_found', 'model');
  }
}
