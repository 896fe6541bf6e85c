import type { Context } from 'koa';

import { workSignal, type AbortReason } from '../speech/workSignal.js';
import { ApiError } from './errors.js';

export interface RequestSignal {
  /** Aborts when the client goes away or the request runs out of time, while the work runs. */
  readonly signal: AbortSignal;
  /** The error to answer for a failure: a timed-out request's cancellation becomes a 504. */
  readonly explain: (error: unknown) => unknown;
  /** Keeps `held` (a model's lease) until the work is over: dispose() releases it. */
  readonly hold: (held: { release(): void }) => void;
  /**
   * The work is over: later closes and the timer no longer abort anything, and what it held is released.
   * Call it exactly once, when the last use of the engine has settled (for a stream, after the response's
   * handler returned).
   */
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
  const held: { release(): void }[] = [];
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) work.abort('client_closed', 'The client closed the connection');
  });
  return {
    signal: work.signal,
    explain: (error) => (work.reason() === 'timeout' ? requestTimedOut(timeoutMs) : error),
    hold: (lease) => held.push(lease),
    dispose: () => {
      work.dispose();
      for (const lease of held.splice(0)) lease.release();
    },
  };
}
