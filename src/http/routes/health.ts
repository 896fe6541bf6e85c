import { Router } from '@koa/router';

import type { ReadinessPolicy } from '../../config/config.js';
import type { ModelEntry, ModelRegistry } from '../../engine/ModelRegistry.js';
import { servable } from '../../engine/ModelResolver.js';
import type { AppState } from '../state.js';

/** A model as /health lists it: with why it failed (`error`, its `code` and, if a setting was at fault, its `param`). */
function healthOf({ id, family, state, error, memoryBytes }: ModelEntry) {
  return {
    id,
    family: family ?? null,
    state,
    ...(state === 'ready' && memoryBytes !== undefined ? { memory_mb: Math.round(memoryBytes / 1048576) } : {}),
    ...(error ? { error: error.message, code: error.code, ...(error.param ? { param: error.param } : {}) } : {}),
  };
}

/**
 * Whether the models `policy` asks for serve (servable(): ready, or unloaded and loaded again on request,
 * so that loading or unloading one model never takes a replica out of service): every model ("all"), or
 * at least one of each kind that any model folder is of ("each-kind": a broken folder, or one still
 * loading beside a ready one of its kind, is not waited for). What it waits for, when not.
 */
export function readiness(models: readonly ModelEntry[], policy: ReadinessPolicy): { ready: boolean; waitingFor: string[] } {
  if (models.length === 0) return { ready: false, waitingFor: ['a model'] };
  if (policy === 'all') {
    const waitingFor = models.filter((model) => !servable(model)).map((model) => model.id);
    return { ready: waitingFor.length === 0, waitingFor };
  }
  const kinds = new Set(models.flatMap((model) => (model.kind === undefined ? [] : [model.kind])));
  const waitingFor = [...kinds].filter((kind) => !models.some((model) => model.kind === kind && servable(model))).sort();
  return { ready: kinds.size > 0 && waitingFor.length === 0, waitingFor: kinds.size === 0 ? ['a model ovspeech serves'] : waitingFor };
}

/**
 * GET /health: 200 once every model is ready, 503 while any is loading or has failed, with the state of
 * each. GET /health/live: 200 while the process serves (a liveness probe: nothing a restart would mend
 * is wrong). GET /health/ready: 200 when the models of the readiness policy (--ready-when) are ready,
 * else 503 naming what it waits for, or once shutdown has begun (a readiness probe). None is behind a key.
 */
export function healthRoute(registry: ModelRegistry, policy: ReadinessPolicy, isShuttingDown: () => boolean): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/health', (ctx) => {
    const models = registry.list().map(healthOf);
    const failed = models.some((m) => m.state === 'failed');
    const loading = models.some((m) => m.state === 'loading');
    ctx.status = failed || loading ? 503 : 200;
    ctx.body = { status: failed ? 'failed' : loading ? 'loading' : 'ok', models };
  });
  router.get('/health/live', (ctx) => {
    ctx.body = { status: 'live' };
  });
  router.get('/health/ready', (ctx) => {
    // Draining: no new work should come (a connection already open may still ask).
    if (isShuttingDown()) {
      ctx.status = 503;
      ctx.body = { status: 'shutting_down', policy };
      return;
    }
    const { ready, waitingFor } = readiness(registry.list(), policy);
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? { status: 'ready', policy } : { status: 'not_ready', policy, waiting_for: waitingFor };
  });
  return router;
}
