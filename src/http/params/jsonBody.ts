import parse from 'co-body';
import type { Context } from 'koa';

import { invalidParameter, OvSpeechError } from '../../errors.js';
import { ApiError, tooLarge, unsupportedMediaType } from '../errors.js';

const DEFAULT_LIMIT_BYTES = 1024 * 1024;

/** A JSON request body that must be an object; 415 for another content type, 400 for broken JSON. */
export async function readJsonObject(ctx: Context, limitBytes = DEFAULT_LIMIT_BYTES): Promise<JsonFields> {
  if (!ctx.is('application/json')) throw unsupportedMediaType('application/json', ctx.get('content-type'));
  let body: unknown;
  try {
    body = await parse.json(ctx.req, { limit: limitBytes, strict: true });
  } catch (error) {
    if ((error as { status?: number }).status === 413) {
      throw tooLarge('The JSON body', limitBytes, 'request_too_large');
    }
    throw new ApiError(400, `We could not parse the JSON body of your request: ${(error as Error).message}`, 'invalid_request_error', 'invalid_json');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'The JSON body must be an object', 'invalid_request_error', 'invalid_json');
  }
  return new JsonFields(body as Record<string, unknown>);
}

/**
 * Typed reads of a JSON object's fields; null counts as absent, as OpenAI's clients send it. A nested
 * object is read with the path to it (`audio.`), which its errors name as their param (`audio.voice`).
 */
export class JsonFields {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly path = '',
  ) {}

  #get(name: string): unknown {
    const value = this.raw[name];
    return value === null ? undefined : value;
  }

  /** The param an error about field `name` names. */
  param(name: string): string {
    return `${this.path}${name}`;
  }

  string(name: string): string | undefined {
    const value = this.#get(name);
    if (value !== undefined && typeof value !== 'string') throw invalidParameter('string', this.param(name), value);
    return value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) {
      throw new OvSpeechError(`Missing required parameter: '${this.param(name)}'.`, 'INVALID_ARGUMENT', { param: this.param(name) });
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.#get(name);
    if (value !== undefined && !(allowed as readonly unknown[]).includes(value)) {
      throw invalidParameter(`one of ${allowed.join(', ')}`, this.param(name), value);
    }
    return value as T | undefined;
  }

  number(name: string, min: number, max: number): number | undefined {
    const value = this.#get(name);
    if (value !== undefined && (typeof value !== 'number' || !(value >= min && value <= max))) {
      throw invalidParameter(`number between ${min} and ${max}`, this.param(name), value);
    }
    return value;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.number(name, min, max);
    if (value !== undefined && !Number.isInteger(value)) throw invalidParameter(`integer between ${min} and ${max}`, this.param(name), value);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.#get(name);
    if (value !== undefined && typeof value !== 'boolean') throw invalidParameter('boolean', this.param(name), value);
    return value;
  }

  /** A nested object, read with its own path. */
  object(name: string): JsonFields | undefined {
    const value = this.#get(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter('object', this.param(name), value);
    return new JsonFields(value as Record<string, unknown>, `${this.param(name)}.`);
  }

  array(name: string): unknown[] | undefined {
    const value = this.#get(name);
    if (value !== undefined && !Array.isArray(value)) throw invalidParameter('array', this.param(name), value);
    return value;
  }

  value(name: string): unknown {
    return this.#get(name);
  }
}
