import type { Middleware } from 'koa';

import type { AppState } from '../state.js';
import type { HttpMetrics } from '../metrics.js';

/** The route pattern that answered (`/v1/audio/speech`), so that ids in URLs do not explode the labels. */
export function routeLabel(ctx: object): string {
  const route = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
  return route === undefined ? 'unmatched' : String(route);
}

/** Counts each request by route and status, and times it until its last byte went out. */
export function httpMetrics(metrics: HttpMetrics): Middleware<AppState> {
  return async (ctx, next) => {
    const stop = metrics.latency.startTimer();
    try {
      await next();
    } finally {
      const record = () => {
        const labels = { method: ctx.method, route: routeLabel(ctx) };
        stop(labels);
        metrics.requests.inc({ ...labels, status: String(ctx.status) });
      };
      if (ctx.res.writableFinished || ctx.res.destroyed) record();
      else ctx.res.once('close', record);
    }
  };
}
