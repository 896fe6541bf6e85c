import { Router } from '@koa/router';

import type { AppState } from '../state.js';
import type { HttpMetrics } from '../metrics.js';

/** GET /metrics in Prometheus' text format. */
export function metricsRoute(metrics: HttpMetrics): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
