import { OvSpeechError } from '../errors.js';
import type { NativeTask } from '../native/AddonTypes.js';

/**
 * Awaits a native task, cancelling it when `signal` aborts. The error's stack points at `caller`, the
 * engine method the application called (native frames carry no JS stack).
 */
export async function settle<T>(start: () => NativeTask<T>, signal: AbortSignal | undefined, caller: Error): Promise<T> {
  if (signal?.aborted) throw new OvSpeechError('The request was aborted before it started', 'CANCELLED', { cause: signal.reason });
  const task = start();
  const abort = () => task.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    return await task.promise;
  } catch (error) {
    if (error instanceof Error && caller.stack !== undefined) {
      error.stack = `${error.name}: ${error.message}\n${caller.stack.split('\n').slice(1).join('\n')}`;
    }
    throw error;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
