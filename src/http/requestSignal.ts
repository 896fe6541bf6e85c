import type { Context } from 'koa';

export interface RequestSignal {
  /** Aborts when the client goes away or the request runs out of time. */
  readonly signal: AbortSignal;
  readonly timedOut: () => boolean;
  /** Stops the timer once the work is done (a streamed response may outlive it). */
  readonly dispose: () => void;
}

/**
 * The signal a request's work runs under. A response that closes before it finished means the client
 * left: its job is cancelled rather than left to run for nobody.
 */
export function requestSignal(ctx: Context, timeoutMs: number): RequestSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onClose = () => {
    if (!ctx.res.writableFinished) controller.abort(new Error('The client closed the connection'));
  };
  ctx.res.once('close', onClose);
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new Error(`The request took longer than ${timeoutMs / 1000} s`));
        }, timeoutMs)
      : undefined;
  timer?.unref();
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => clearTimeout(timer),
  };
}
