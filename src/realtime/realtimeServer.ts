import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

import { WebSocketServer, type WebSocket } from 'ws';

import type { ModelResolver } from '../engine/ModelResolver.js';
import type { ApiKeys } from '../http/apiKeys.js';
import { ApiError } from '../http/errors.js';
import type { HttpMetrics } from '../http/metrics.js';
import type { Logger } from '../log.js';
import { RealtimeError } from './errors.js';
import { DEFAULT_SESSION_LIMITS, TranscriptionSession, type SessionLimits } from './transcriptionSession.js';

/** The paths of OpenAI's Realtime API under each prefix the HTTP API is served at. */
const REALTIME_PATHS = new Set(['/v1/realtime', '/v3/v1/realtime']);
/** The subprotocol OpenAI's browser SDK sends its key in: `openai-insecure-api-key.KEY`. */
const KEY_PROTOCOL = 'openai-insecure-api-key.';

export interface RealtimeLimits extends SessionLimits {
  /** A client message larger than this gets an error event and is dropped. */
  maxMessageBytes: number;
  /** A socket with no client message for this long is closed (1000, "idle"). */
  idleTimeoutMs: number;
}

export const DEFAULT_REALTIME_LIMITS: RealtimeLimits = { ...DEFAULT_SESSION_LIMITS, maxMessageBytes: 1 << 20, idleTimeoutMs: 10 * 60_000 };

/** Close codes, as RFC 6455 and the Realtime API use them. */
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_UNSUPPORTED = 1003;
const CLOSE_TOO_BIG = 1009;

export interface RealtimeServerOptions {
  resolver: ModelResolver;
  metrics: HttpMetrics;
  apiKeys: ApiKeys;
  logger: Logger;
  limits?: RealtimeLimits;
}

/** The Realtime API on `server`'s upgrades: transcription sessions over WebSocket. */
export class RealtimeServer {
  readonly #sockets = new Map<WebSocket, TranscriptionSession>();
  readonly #wss: WebSocketServer;
  readonly #limits: RealtimeLimits;
  #closing = false;

  constructor(
    server: Server,
    private readonly options: RealtimeServerOptions,
  ) {
    this.#limits = options.limits ?? DEFAULT_REALTIME_LIMITS;
    // ws closes a socket with 1009 past maxPayload; below it, messages over the limit get an error event.
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: 2 * this.#limits.maxMessageBytes,
      handleProtocols: (protocols) => [...protocols].find((p) => p === 'realtime') ?? false,
    });
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(request, socket, head));
  }

  /** Sessions open now. */
  get sessions(): number {
    return this.#sockets.size;
  }

  /** Refuses new sessions, lets every session finish the turns it committed, then closes it (1001). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      [...this.#sockets].map(async ([socket, session]) => {
        await session.settled();
        socket.close(CLOSE_GOING_AWAY, 'server shutting down');
      }),
    );
    this.#wss.close();
  }

  /** Closes every session at once (the shutdown timeout passed), cancelling the turns they run. */
  terminate(): void {
    for (const socket of this.#sockets.keys()) socket.terminate();
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const refuse = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    if (!REALTIME_PATHS.has(url.pathname))
      return refuse(404, {
        error: { message: `No WebSocket API at ${url.pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
      });
    if (this.#closing)
      return refuse(503, { error: { message: 'The server is shutting down', type: 'server_error', param: null, code: 'unavailable' } });
    const intent = url.searchParams.get('intent');
    if (intent !== null && intent !== 'transcription') {
      return refuse(400, {
        error: {
          message: `intent must be "transcription": ovspeech serves transcription sessions`,
          type: 'invalid_request_error',
          param: 'intent',
          code: 'invalid_value',
        },
      });
    }
    try {
      this.options.apiKeys.check(keyHeader(request));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return refuse(error.status, error.body());
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#open(ws));
  }

  #open(socket: WebSocket): void {
    const session = new TranscriptionSession(this.options.resolver, (event) => socket.send(JSON.stringify(event)), this.#limits, {
      audioAppended: (seconds) => this.options.metrics.realtimeAudio.inc(seconds),
      framesScored: (frames, speech) => {
        this.options.metrics.realtimeVadFrames.inc(frames);
        this.options.metrics.realtimeSpeechFrames.inc(speech);
      },
      turnCompleted: (seconds) => this.options.metrics.realtimeTurnLatency.observe(seconds),
      earlyTurn: (outcome) => this.options.metrics.realtimeEarlyTurns.inc({ outcome }),
    });
    this.#sockets.set(socket, session);
    let idle: NodeJS.Timeout;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => socket.close(CLOSE_NORMAL, 'idle timeout'), this.#limits.idleTimeoutMs);
    };
    touch();
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      touch();
      if (isBinary) {
        socket.close(CLOSE_UNSUPPORTED, 'events are JSON text');
        return;
      }
      if (data.length > this.#limits.maxMessageBytes) {
        session.reject(
          new RealtimeError(`The event is ${data.length} bytes; at most ${this.#limits.maxMessageBytes} are taken`, 'message_too_large'),
        );
        return;
      }
      session.handle(data.toString('utf8'));
    });
    socket.on('close', () => {
      clearTimeout(idle);
      session.close();
      this.#sockets.delete(socket);
    });
    socket.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'realtime socket error');
      if (error.message.includes('Max payload')) socket.close(CLOSE_TOO_BIG, 'message too large');
    });
  }
}

/** The API key as an Authorization header: the header itself, or the browser SDK's subprotocol. */
function keyHeader(request: IncomingMessage): string {
  if (request.headers.authorization !== undefined) return request.headers.authorization;
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const key = protocols.find((p) => p.startsWith(KEY_PROTOCOL))?.slice(KEY_PROTOCOL.length);
  return key === undefined ? '' : `Bearer ${key}`;
}
