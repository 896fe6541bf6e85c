import { Router } from '@koa/router';

import type { ModelRegistry } from '../../engine/ModelRegistry.js';
import type { AppState } from '../state.js';

/**
 * GET /health: 200 once every model is ready, 503 while any is loading or has failed, with why it failed
 * (`error`, its `code` and, if a setting was at fault, its `param`). Never behind a key.
 */
export function healthRoute(registry: ModelRegistry): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/health', (ctx) => {
    const models = registry.list().map(({ id, family, state, error }) => ({
      id,
      family: family ?? null,
      state,
      ...(error ? { error: error.message, code: error.code, ...(error.param ? { param: error.param } : {}) } : {}),
    }));
    const failed = models.some((m) => m.state === 'failed');
    const loading = models.some((m) => m.state === 'loading');
    ctx.status = failed || loading ? 503 : 200;
    ctx.body = { status: failed ? 'failed' : loading ? 'loading' : 'ok', models };
  });
  return router;
}
