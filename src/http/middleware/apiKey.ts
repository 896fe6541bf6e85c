import { createHash, timingSafeEqual } from 'node:crypto';

import type { Middleware } from 'koa';

import type { AppState } from '../state.js';
import { ApiError } from '../errors.js';

/** Paths open without a key: load balancers and Prometheus probe them. */
const OPEN_PATHS = new Set(['/health', '/metrics']);

const CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

const MISSING_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
const MALFORMED_HEADER = 'The Authorization header is malformed: it must be "Bearer YOUR_KEY", one key without spaces.';

function unauthorized(message: string, code: 'missing_api_key' | 'invalid_api_key'): ApiError {
  return new ApiError(401, message, 'invalid_request_error', code, null, CHALLENGE);
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * With keys configured, every request but the open paths needs `Authorization: Bearer KEY`. No header (or
 * "Bearer" alone) is a missing key; a header of another shape is an invalid key, whatever it holds. Keys are
 * compared as SHA-256 digests with timingSafeEqual, so neither a key's content nor its length leaks
 * through timing; every configured key is compared, match or not.
 */
export function apiKey(keys: readonly string[]): Middleware<AppState> {
  const digests = keys.map(digest);
  return async (ctx, next) => {
    if (digests.length === 0 || OPEN_PATHS.has(ctx.path)) return next();
    const header = ctx.get('authorization');
    if (/^(Bearer\s*)?$/i.test(header)) throw unauthorized(MISSING_KEY, 'missing_api_key');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) throw unauthorized(MALFORMED_HEADER, 'invalid_api_key');
    const given = digest(match[1] ?? '');
    let valid = false;
    for (const expected of digests) valid = timingSafeEqual(given, expected) || valid;
    if (!valid) throw unauthorized('Incorrect API key provided.', 'invalid_api_key');
    return next();
  };
}
