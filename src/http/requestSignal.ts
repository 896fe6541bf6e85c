import type { Context } from 'koa';

import { workSignal, type AbortReason } from '../speech/workSignal.js';
import { ApiError } from './errors.js';

export interface RequestSignal {
  /** Aborts when the client goes away or the request runs out of time, while the work runs. */
  readonly signal: AbortSignal;
  /** The error to answer for a failure: a timed-out request's cancellation becomes a 504. */
  readonly explain: (error: unknown) => unknown;
  /** The work is over: later closes and the timer no longer abort anything. */
  readonly dispose: () => void;
}

export function requestTimedOut(timeoutMs: number): ApiError {
  return new ApiError(504, `The request took longer than the server's limit of ${timeoutMs / 1000} s`, 'server_error', 'timeout');
}

/**
 * The signal a request's work runs under. A response that closes before it finished means the client
 * left: its job is cancelled rather than left to run for nobody. `onAbort` hears of each cancellation.
 */
export function requestSignal(ctx: Context, timeoutMs: number, onAbort: (reason: AbortReason) => void): RequestSignal {
  const work = workSignal(timeoutMs, onAbort);
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) work.abort('client_closed', 'The client closed the connection');
  });
  return {
    signal: work.signal,
    explain: (error) => (work.reason() === 'timeout' ? requestTimedOut(timeoutMs) : error),
    dispose: work.dispose,
  };
}
