import type { Logger } from '../../log.js';
import { OvSpeechError } from '../../errors.js';
import { ApiError } from '../errors.js';

export interface UpstreamSettings {
  /** OpenAI-compatible base URL, without a trailing slash (`http://llm:8080/v1`). */
  baseUrl: string;
  apiKey: string | undefined;
}

export interface UpstreamCall {
  signal: AbortSignal;
  requestId: string;
  log: Logger;
}

function invalidResponse(what: string): ApiError {
  return new ApiError(502, `The chat completion upstream answered with ${what}`, 'server_error', 'upstream_invalid_response');
}

/** The upstream's own error: OpenAI's `{"error": {...}}`, or the flat `{"message", "type"}` vLLM sends. */
function upstreamErrorDetail(text: string): { message: string; type: unknown; code: unknown; param: unknown } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const detail = (body as { error?: unknown }).error ?? body;
  if (typeof detail !== 'object' || detail === null || typeof (detail as { message?: unknown }).message !== 'string') return undefined;
  return detail as { message: string; type: unknown; code: unknown; param: unknown };
}

/** An error status from the upstream, passed on with its status, its OpenAI error body and Retry-After. */
async function upstreamError(response: Response): Promise<ApiError> {
  // fetch follows redirects: anything else outside 2xx that is not an error is a broken upstream.
  if (response.status < 400) return invalidResponse(`status ${response.status}`);
  const retryAfter = response.headers.get('retry-after');
  const headers: Record<string, string> = retryAfter === null ? {} : { 'Retry-After': retryAfter };
  const fallbackType = response.status >= 500 ? 'server_error' : 'invalid_request_error';
  const detail = upstreamErrorDetail(await response.text().catch(() => ''));
  if (detail === undefined) {
    const message = `The chat completion upstream answered ${response.status} ${response.statusText}`.trim();
    return new ApiError(response.status, message, fallbackType, 'upstream_error', null, headers);
  }
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);
  return new ApiError(response.status, detail.message, text(detail.type) ?? fallbackType, text(detail.code), text(detail.param), headers);
}

/** The OpenAI-compatible chat completion server audio chat forwards to; only configuration names it. */
export class ChatUpstream {
  readonly #url: string;

  constructor(private readonly settings: UpstreamSettings) {
    this.#url = `${settings.baseUrl}/chat/completions`;
  }

  /** POSTs the request; resolves with a 2xx response, else rejects with the error the client gets. */
  async post(body: object, { signal, requestId, log }: UpstreamCall): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Request-Id': requestId };
    if (this.settings.apiKey !== undefined) headers.Authorization = `Bearer ${this.settings.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.#url, { method: 'POST', headers, body: JSON.stringify(body), signal });
    } catch (error) {
      if (signal.aborted)
        throw new OvSpeechError('The request was cancelled while it waited for the chat completion upstream', 'CANCELLED', { cause: error });
      log.warn({ err: error, url: this.#url }, 'chat completion upstream unreachable');
      // The address stays in the log: it is the server's configuration, not the client's business.
      throw new ApiError(502, 'The chat completion upstream could not be reached; see the server log', 'server_error', 'upstream_unreachable');
    }
    if (!response.ok) throw await upstreamError(response);
    return response;
  }
}

/** A non-streamed completion: a JSON object. */
export async function readCompletion(response: Response): Promise<Record<string, unknown>> {
  const body: unknown = await response.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidResponse('something other than a JSON object');
  return body as Record<string, unknown>;
}

/** The upstream's events that are not JSON objects fail the stream. */
export function parseChunk(data: string): Record<string, unknown> {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw invalidResponse('an event that is not JSON');
  }
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) throw invalidResponse('an event that is not a JSON object');
  return chunk as Record<string, unknown>;
}
