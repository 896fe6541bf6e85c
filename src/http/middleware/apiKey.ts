import type { Middleware } from 'koa';

import { ApiKeys } from '../apiKeys.js';
import type { AppState } from '../state.js';

/** Paths open without a key: load balancers and Prometheus probe them. */
const OPEN_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/** With keys configured, every request but the open paths needs `Authorization: Bearer KEY`. */
export function apiKey(keys: readonly string[]): Middleware<AppState> {
  const apiKeys = new ApiKeys(keys);
  return async (ctx, next) => {
    if (!OPEN_PATHS.has(ctx.path)) apiKeys.check(ctx.get('authorization'));
    return next();
  };
}
