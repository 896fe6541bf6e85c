import { PassThrough } from 'node:stream';

import type { Context } from 'koa';

import { toApiError } from './errors.js';

/**
 * A text/event-stream response of JSON `data:` events, as OpenAI's streaming endpoints send. Events sent
 * before respond() wait in the stream, so a job can start sending before its status is certain.
 */
export class EventStream {
  readonly #stream = new PassThrough();

  /** Makes the events the response of `ctx`. */
  respond(ctx: Context): this {
    ctx.status = 200;
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-cache');
    // Proxies such as nginx would otherwise hold the events back.
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = this.#stream;
    return this;
  }

  get closed(): boolean {
    return this.#stream.destroyed || this.#stream.writableEnded;
  }

  send(data: object): void {
    if (!this.closed) this.#stream.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** The error as an event the openai clients raise (`{"error": ...}`), then the end of the stream. */
  fail(error: unknown): void {
    this.send({ type: 'error', ...toApiError(error).body() });
    this.end();
  }

  end(): void {
    if (!this.closed) this.#stream.end();
  }

  /** The end of a chat completion stream, which OpenAI marks with `data: [DONE]`. */
  done(): void {
    if (!this.closed) this.#stream.end('data: [DONE]\n\n');
  }
}
