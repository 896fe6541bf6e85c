import type { Middleware } from 'koa';

import type { AppState } from '../state.js';
import { toApiError } from '../errors.js';

/** The one place thrown errors become OpenAI-shaped responses. */
export function errorHandler(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status >= 500) ctx.state.log.error({ err: error }, 'request failed');
      ctx.status = apiError.status;
      ctx.set(apiError.headers);
      ctx.body = apiError.body();
    }
  };
}
