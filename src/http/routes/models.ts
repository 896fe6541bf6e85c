import { Router } from '@koa/router';

import type { ModelEntry, ModelRegistry } from '../../engine/ModelRegistry.js';
import { modelNotFound } from '../../engine/ModelResolver.js';
import { OvSpeechError } from '../../errors.js';
import type { AppState } from '../state.js';

/** OpenAI's model object. */
function modelObject(entry: ModelEntry) {
  return { id: entry.id, object: 'model', created: entry.created, owned_by: entry.ownedBy };
}

/** The model object with its state, as the load and unload endpoints answer. */
function modelState(entry: ModelEntry) {
  return {
    ...modelObject(entry),
    state: entry.state,
    ...(entry.error ? { error: { message: entry.error.message, code: entry.error.code } } : {}),
  };
}

/**
 * GET /models and GET /models/{id} (under the API prefix), where ids may contain "/"; POST
 * /models/{id}/load loads a model (unloaded, or failed to load) and answers once it is ready; DELETE
 * /models/{id} unloads one, keeping its folder: requests holding it finish first, new ones get 503 with
 * Retry-After until it is unloaded, then load it again. POST /models/rescan looks at the models folder
 * again (as SIGHUP does): {added, removed} ids. All are behind the API key, as every API path.
 */
export function modelsRoute(registry: ModelRegistry): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/models' });
  const known = (id: string): ModelEntry => {
    const entry = registry.get(id);
    if (entry === undefined) throw modelNotFound(id);
    return entry;
  };
  router.get('/', (ctx) => {
    ctx.body = { object: 'list', data: registry.list().map(modelObject) };
  });
  router.post('/rescan', async (ctx) => {
    ctx.body = { object: 'rescan', ...(await registry.rescan()) };
  });
  router.post('/*id/load', async (ctx) => {
    known(ctx.params.id ?? '');
    const entry = await registry.ensureLoaded(ctx.params.id ?? '');
    if (entry.state === 'failed') {
      throw new OvSpeechError(
        `The model '${entry.id}' failed to load (${entry.error?.code ?? 'INTERNAL'}): ${entry.error?.message ?? ''}`,
        'UNAVAILABLE',
        {
          param: 'model',
        },
      );
    }
    ctx.body = modelState(entry);
  });
  router.delete('/*id', async (ctx) => {
    known(ctx.params.id ?? '');
    ctx.body = modelState(await registry.unload(ctx.params.id ?? ''));
  });
  router.get('/*id', (ctx) => {
    ctx.body = modelObject(known(ctx.params.id ?? ''));
  });
  return router;
}
