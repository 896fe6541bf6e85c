import { createHash, timingSafeEqual } from 'node:crypto';

import { ApiError } from './errors.js';

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
 * The server's API keys, and the one check of a request's `Authorization` header, for plain requests and,
 * later, WebSocket upgrades alike. Keys are compared as SHA-256 digests with timingSafeEqual, so neither a
 * key's content nor its length leaks through timing; every configured key is compared, match or not.
 */
export class ApiKeys {
  readonly #digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.#digests = keys.map(digest);
  }

  /** Whether any key is configured: without one, every request is let in. */
  get required(): boolean {
    return this.#digests.length > 0;
  }

  /**
   * Throws a 401 unless `header` is `Bearer KEY` with a configured key. No header (or "Bearer" alone) is a
   * missing key; a header of another shape an invalid key, whatever it holds.
   */
  check(header: string): void {
    if (!this.required) return;
    if (/^(Bearer\s*)?$/i.test(header)) throw unauthorized(MISSING_KEY, 'missing_api_key');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) throw unauthorized(MALFORMED_HEADER, 'invalid_api_key');
    const given = digest(match[1] ?? '');
    let valid = false;
    for (const expected of this.#digests) valid = timingSafeEqual(given, expected) || valid;
    if (!valid) throw unauthorized('Incorrect API key provided.', 'invalid_api_key');
  }
}
