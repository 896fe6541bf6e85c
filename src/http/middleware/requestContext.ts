import { randomUUID } from 'node:crypto';

import type { Middleware } from 'koa';

import type { Logger } from '../../log.js';
import type { AppState } from '../state.js';

const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives each request an id (the client's X-Request-Id when sane, else a new one), echoes it, and logs
 * the request once it is answered.
 */
export function requestContext(logger: Logger): Middleware<AppState> {
  return async (ctx, next) => {
    const given = ctx.get('x-request-id');
    const requestId = CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      ctx.state.log.info(
        {
          method: ctx.method,
          url: ctx.originalUrl,
          status: ctx.status,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    }
  };
}
