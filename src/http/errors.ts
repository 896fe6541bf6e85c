import { AudioDecodeError } from '../audio/errors.js';
import { ModelResolutionError } from '../engine/ModelResolver.js';
import { OvSpeechError, type ErrorCode } from '../errors.js';

/** OpenAI's error body: `{"error":{"message","type","param","code"}}`. */
export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error with everything its HTTP response needs. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 415: a body of another content type than the endpoint reads. */
export function unsupportedMediaType(expected: string, received: string): ApiError {
  return new ApiError(
    415,
    `Unsupported Content-Type ${received === '' ? '(none)' : `"${received}"`}; this endpoint takes ${expected}`,
    'invalid_request_error',
    'unsupported_media_type',
  );
}

/** 413: `what` is larger than `limitBytes`, said in megabytes. */
export function tooLarge(what: string, limitBytes: number, code: string, param: string | null = null): ApiError {
  const mb = Math.round((limitBytes / (1024 * 1024)) * 100) / 100;
  return new ApiError(413, `${what} is larger than the limit of ${mb} MB`, 'invalid_request_error', code, param);
}

/** OpenAI's own wording for a server fault; the details stay in the log. */
export const INTERNAL_MESSAGE = 'The server had an error while processing your request. Sorry about that!';

const STATUS_OF: Record<ErrorCode, { status: number; type: string }> = {
  INVALID_ARGUMENT: { status: 400, type: 'invalid_request_error' },
  UNSUPPORTED_MODEL: { status: 400, type: 'invalid_request_error' },
  MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error' },
  CANCELLED: { status: 499, type: 'invalid_request_error' },
  OVERLOADED: { status: 503, type: 'server_error' },
  UNAVAILABLE: { status: 503, type: 'server_error' },
  INTERNAL: { status: 500, type: 'server_error' },
};

/** Seconds a client should wait before retrying, for the codes that say "try again". */
const RETRY_AFTER: Partial<Record<ErrorCode, string>> = { OVERLOADED: '1', UNAVAILABLE: '1' };

/** Koa and its middleware throw http-errors: `status` and `expose`. */
function isExposedHttpError(error: unknown): error is Error & { status: number; expose: boolean } {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number' && (error as { expose?: unknown }).expose === true;
}

/** Maps anything thrown while serving a request to the response it gets. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AudioDecodeError) return new ApiError(422, error.message, 'invalid_request_error', 'invalid_audio', 'file');
  if (error instanceof ModelResolutionError) {
    // The code says which status; the problem is the API's code, and waiting helps only where it says so.
    const { status, type } = STATUS_OF[error.code];
    const headers: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
    return new ApiError(status, error.message, type, error.problem, error.param ?? null, headers);
  }
  if (error instanceof OvSpeechError) {
    const { status, type } = STATUS_OF[error.code];
    const message = status >= 500 && error.code === 'INTERNAL' ? INTERNAL_MESSAGE : error.message;
    const headers: Record<string, string> = RETRY_AFTER[error.code] ? { 'Retry-After': RETRY_AFTER[error.code]! } : {};
    return new ApiError(status, message, type, error.code.toLowerCase(), error.param ?? null, headers);
  }
  if (isExposedHttpError(error) && error.status >= 400 && error.status < 500) {
    return new ApiError(error.status, error.message, 'invalid_request_error', null);
  }
  return new ApiError(500, INTERNAL_MESSAGE, 'server_error', 'internal');
}
