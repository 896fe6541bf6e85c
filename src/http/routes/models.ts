import { Router } from '@koa/router';

import type { ModelEntry, ModelRegistry } from '../../engine/ModelRegistry.js';
import { modelNotFound } from '../../engine/ModelResolver.js';
import type { AppState } from '../state.js';

/** OpenAI's model object. */
function modelObject(entry: ModelEntry) {
  return { id: entry.id, object: 'model', created: entry.created, owned_by: entry.ownedBy };
}

/** GET /models and GET /models/{id} (under the API prefix), where ids may contain "/". */
export function modelsRoute(registry: ModelRegistry): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/models' });
  router.get('/', (ctx) => {
    ctx.body = { object: 'list', data: registry.list().map(modelObject) };
  });
  router.get('/*id', (ctx) => {
    const id = ctx.params.id ?? '';
    const entry = registry.get(id);
    if (entry === undefined) throw modelNotFound(id);
    ctx.body = modelObject(entry);
  });
  return router;
}
