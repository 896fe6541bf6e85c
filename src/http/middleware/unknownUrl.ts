import type { Middleware } from 'koa';

import type { AppState } from '../state.js';
import { ApiError } from '../errors.js';

/** A request no route answered gets OpenAI's 404 body rather than Koa's plain "Not Found". */
export function unknownUrl(): Middleware<AppState> {
  return async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) {
      throw new ApiError(404, `Invalid URL (${ctx.method} ${ctx.path})`, 'invalid_request_error', 'unknown_url');
    }
  };
}
