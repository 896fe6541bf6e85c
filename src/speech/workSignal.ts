/** Why a job was cancelled before it finished. */
export type AbortReason = 'client_closed' | 'timeout';

/**
 * The cancellation a job runs under, whatever protocol asked for it: a time limit, and whatever else the
 * caller aborts it for (an HTTP response or a WebSocket that closed).
 */
export interface WorkSignal {
  readonly signal: AbortSignal;
  /** Why it was aborted, once it was. */
  readonly reason: () => AbortReason | undefined;
  /** Cancels the job, unless it is over or already cancelled; `onAbort` hears of it once. */
  readonly abort: (reason: AbortReason, message: string) => void;
  /** The work is over: later aborts and the timer no longer cancel anything. */
  readonly dispose: () => void;
}

/** A signal that aborts after `timeoutMs` (none when 0) or when abort() is called. */
export function workSignal(timeoutMs: number, onAbort: (reason: AbortReason) => void): WorkSignal {
  const controller = new AbortController();
  let reason: AbortReason | undefined;
  let disposed = false;
  const abort = (why: AbortReason, message: string) => {
    if (disposed || controller.signal.aborted) return;
    reason = why;
    controller.abort(new Error(message));
    onAbort(why);
  };
  const timer = timeoutMs > 0 ? setTimeout(() => abort('timeout', `The request took longer than ${timeoutMs / 1000} s`), timeoutMs) : undefined;
  timer?.unref();
  return {
    signal: controller.signal,
    reason: () => reason,
    abort,
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
