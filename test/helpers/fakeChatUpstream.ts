import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export type UpstreamHandler = (response: ServerResponse, request: ReceivedRequest) => Promise<void> | void;

export const UPSTREAM_CREATED = 1_700_000_000;

/** A non-streamed completion of `text`, as OpenAI answers. */
export function completionOf(text: string) {
  return {
    id: 'chatcmpl-upstream',
    object: 'chat.completion',
    created: UPSTREAM_CREATED,
    model: 'upstream-model',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  };
}

export function chunkOf(delta: object, finishReason: string | null = null) {
  return {
    id: 'chatcmpl-upstream-stream',
    object: 'chat.completion.chunk',
    created: UPSTREAM_CREATED,
    model: 'upstream-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

export interface StreamPlan {
  pieces: string[];
  /** Pause before each piece. */
  delayMs: number;
  /** Awaited before the last piece is sent. */
  beforeLast?: () => Promise<void>;
}

/**
 * A real OpenAI-like chat completion server on loopback: it records what it receives and answers with
 * whatever `handler` the test sets.
 */
export class FakeChatUpstream {
  readonly received: ReceivedRequest[] = [];
  handler: UpstreamHandler = (response) => sendJson(response, 200, completionOf('Hello.'));
  /** Whether the latest stream's connection closed before it was complete. */
  streamCut: Promise<boolean> = Promise.resolve(false);

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeChatUpstream> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const upstream = new FakeChatUpstream(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (request, response) => void upstream.#serve(request, response));
    return upstream;
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const received = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
    };
    this.received.push(received);
    await this.handler(response, received);
  }

  /** A handler that streams `pieces` as content deltas, then a finish chunk, a usage chunk and [DONE]. */
  streaming(plan: StreamPlan): UpstreamHandler {
    return async (response) => {
      let complete = false;
      this.streamCut = new Promise((resolve) => response.once('close', () => resolve(!complete)));
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const send = (data: object) => response.write(`data: ${JSON.stringify(data)}\n\n`);
      send(chunkOf({ role: 'assistant', content: '' }));
      for (const [index, piece] of plan.pieces.entries()) {
        await sleep(plan.delayMs);
        if (index === plan.pieces.length - 1) await plan.beforeLast?.();
        if (response.destroyed) return;
        send(chunkOf({ content: piece }));
      }
      send(chunkOf({}, 'stop'));
      send({
        ...chunkOf({}),
        choices: [],
        usage: { prompt_tokens: 12, completion_tokens: plan.pieces.length, total_tokens: 12 + plan.pieces.length },
      });
      response.end('data: [DONE]\n\n');
      complete = true;
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function sendJson(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
