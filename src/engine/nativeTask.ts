import { OvSpeechError } from '../errors.js';
import type { ComputeSummary, NativeTask, PoolStats } from '../native/AddonTypes.js';
import { pointStackAt } from '../native/binding.js';

/**
 * Runs a native task to its end. `signal` cancels it. A `listener` that throws cancels it too, and the
 * request then fails with the listener's own error. On failure the stack points at `caller`, the engine
 * method the application called (native frames carry no JS stack).
 */
export async function runTask<T, E>(
  start: (onEvent: ((event: E) => void) | undefined) => NativeTask<T>,
  listener: ((event: E) => void) | undefined,
  signal: AbortSignal | undefined,
  caller: Error,
): Promise<T> {
  if (signal?.aborted) throw new OvSpeechError('The request was aborted before it started', 'CANCELLED', { cause: signal.reason });
  let failedListener: { error: unknown } | undefined;
  const cancel = () => task.cancel();
  const onEvent = listener
    ? (event: E) => {
        if (failedListener) return;
        try {
          listener(event);
        } catch (error) {
          failedListener = { error };
          cancel();
        }
      }
    : undefined;
  const task = start(onEvent);
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await task.promise;
  } catch (error) {
    if (failedListener) throw failedListener.error;
    pointStackAt(error, caller);
    throw error;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

/** What every engine's native model offers besides its operations. */
export interface PooledNativeModel {
  readonly compute: ComputeSummary;
  stats(): PoolStats;
  dispose(): Promise<void>;
}

/** The lifecycle every engine shares: pool stats, and a dispose() after which requests are refused. */
export abstract class NativeEngine<Model extends PooledNativeModel> {
  #disposed = false;

  protected constructor(
    readonly modelDir: string,
    protected readonly model: Model,
  ) {}

  protected checkUsable(): void {
    if (this.#disposed) throw new OvSpeechError('The model is being unloaded or is not loaded; retry', 'UNAVAILABLE');
  }

  /** How the model's inferences use the device, as compiled. */
  get compute(): ComputeSummary {
    return this.model.compute;
  }

  /** Queue depth and worker use, as the scheduler counts them. */
  stats(): PoolStats {
    return this.model.stats();
  }

  /** Refuses new requests and releases the native workers once the running ones finish. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.model.dispose();
  }
}
