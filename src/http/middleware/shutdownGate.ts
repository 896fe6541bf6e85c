import type { Middleware } from 'koa';

import type { AppState } from '../state.js';

/** While shutting down, answers keep-alive clients with Connection: close so they move on. */
export function shutdownGate(isShuttingDown: () => boolean): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      if (isShuttingDown()) ctx.set('Connection', 'close');
    }
  };
}
