import { createHash, timingSafeEqual } from 'node:crypto';

import type { Middleware } from 'koa';

import type { AppState } from '../state.js';
import { ApiError } from '../errors.js';

/** Paths open without a key: load balancers and Prometheus probe them. */
const OPEN_PATHS = new Set(['/health', '/metrics']);

const CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * With keys configured, every request but the open paths needs `Authorization: Bearer KEY`. Keys are
 * compared as SHA-256 digests with timingSafeEqual, so neither a key's content nor its length leaks
 * through timing; every configured key is compared, match or not.
 */
export function apiKey(keys: readonly string[]): Middleware<AppState> {
  const digests = keys.map(digest);
  return async (ctx, next) => {
    if (digests.length === 0 || OPEN_PATHS.has(ctx.path)) return next();
    const header = ctx.get('authorization');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
        'missing_api_key',
        null,
        CHALLENGE,
      );
    }
    const given = digest(match[1] ?? '');
    let valid = false;
    for (const expected of digests) valid = timingSafeEqual(given, expected) || valid;
    if (!valid) throw new ApiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key', null, CHALLENGE);
    return next();
  };
}
