import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import WebSocket from 'ws';

import { type ApiServer, startApiServer } from '../helpers/apiServer.js';
import { fixtures } from '../helpers/audio.js';

type ServerEvent = Record<string, unknown> & { type: string };

/** A fixture clip as OpenAI's realtime input: 16-bit PCM at 24 kHz, mono. */
function pcm24k(name: string): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(fixtures, 'audio', name), '-ar', '24000', '-ac', '1', '-f', 's16le', '-'], {
    maxBuffer: 1 << 26,
  });
}

/** A client of the Realtime API as OpenAI documents it: JSON events over a WebSocket. */
class RealtimeClient {
  readonly events: ServerEvent[] = [];
  readonly #waiters: { test: (event: ServerEvent) => boolean; resolve: (event: ServerEvent) => void }[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString('utf8')) as ServerEvent;
      this.events.push(event);
      for (const waiter of [...this.#waiters]) {
        if (waiter.test(event)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    });
    socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = []): Promise<RealtimeClient> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/realtime?intent=transcription`, protocols, options);
    const client = new RealtimeClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
    return client;
  }

  send(event: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(event));
  }

  /** The next event (already received or not) for which `test` holds, after the first `skip` of them. */
  next(test: (event: ServerEvent) => boolean, timeoutMs = 60_000): Promise<ServerEvent> {
    const seen = this.events.find((event) => test(event) && !this.#taken.has(event));
    if (seen) {
      this.#taken.add(seen);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no such event in ${timeoutMs} ms; got ${this.events.map((e) => e.type).join(', ')}`)),
        timeoutMs,
      );
      this.#waiters.push({
        test: (event) => test(event) && !this.#taken.has(event),
        resolve: (event) => {
          clearTimeout(timer);
          this.#taken.add(event);
          resolve(event);
        },
      });
    });
  }

  readonly #taken = new Set<ServerEvent>();

  ofType(type: string): Promise<ServerEvent> {
    return this.next((event) => event.type === type);
  }

  close(): void {
    this.socket.close();
  }
}

/** Appends `audio` in pieces of `pieceBytes`, as base64. */
function appendAudio(client: RealtimeClient, audio: Buffer, pieceBytes = 9600): void {
  for (let at = 0; at < audio.length; at += pieceBytes) {
    client.send({ type: 'input_audio_buffer.append', audio: audio.subarray(at, at + pieceBytes).toString('base64') });
  }
}

describe('realtime: transcription sessions over WebSocket', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer();
  });
  after(() => api.server.close());

  it('transcribes a committed turn as the HTTP endpoint transcribes the same audio, with deltas first', async () => {
    const audio = pcm24k('en_5s.wav');
    const client = await RealtimeClient.connect(api.server.url);
    const created = await client.ofType('transcription_session.created');
    // Without a detector, the client commits each turn.
    assert.deepEqual(created.session, { ...(created.session as object), input_audio_format: 'pcm16', turn_detection: null });
    client.send({
      type: 'transcription_session.update',
      session: { input_audio_format: 'pcm16', input_audio_transcription: { model: 'whisper-1', language: 'en' }, turn_detection: null },
    });
    const updated = await client.ofType('transcription_session.updated');
    assert.deepEqual((updated.session as { input_audio_transcription: unknown }).input_audio_transcription, {
      model: 'whisper-1',
      language: 'en',
      prompt: null,
    });
    appendAudio(client, audio);
    client.send({ type: 'input_audio_buffer.commit' });
    const committed = await client.ofType('input_audio_buffer.committed');
    const item = await client.ofType('conversation.item.created');
    assert.equal((item.item as { id: string }).id, committed.item_id);
    const completed = await client.ofType('conversation.item.input_audio_transcription.completed');
    assert.equal(completed.item_id, committed.item_id);
    const deltas = client.events.filter((event) => event.type === 'conversation.item.input_audio_transcription.delta');
    assert.ok(deltas.length > 0);
    assert.equal(deltas.map((event) => event.delta).join(''), completed.transcript);
    assert.ok(client.events.indexOf(deltas.at(-1)!) < client.events.indexOf(completed));

    const form = new FormData();
    form.append('file', new Blob([audio], { type: 'audio/pcm' }), 'turn.pcm');
    form.append('sample_rate', '24000');
    form.append('language', 'en');
    const http = (await (await fetch(`${api.server.url}/v1/audio/transcriptions`, { method: 'POST', body: form })).json()) as { text: string };
    assert.equal(completed.transcript, http.text);

    const metrics = await (await fetch(`${api.server.url}/metrics`)).text();
    assert.match(metrics, /^ovspeech_realtime_sessions [1-9]/m);
    assert.match(metrics, /^ovspeech_realtime_turn_latency_seconds_count [1-9]/m);
    const streamed = Number(/^ovspeech_realtime_audio_seconds_total (\S+)/m.exec(metrics)?.[1]);
    assert.ok(streamed >= audio.length / 2 / 24000, `${streamed} s streamed`);
    client.close();
  });

  it("takes the GA API's session.update (audio.input) as the beta transcription_session.update", async () => {
    // G.711 µ-law at 8 kHz, as a phone line sends it.
    const ulaw = execFileSync(
      'ffmpeg',
      ['-v', 'error', '-i', path.join(fixtures, 'audio', 'en_5s.wav'), '-ar', '8000', '-ac', '1', '-f', 'mulaw', '-'],
      {
        maxBuffer: 1 << 26,
      },
    );
    const transcript = async (update: Record<string, unknown>, updated: string) => {
      const client = await RealtimeClient.connect(api.server.url);
      client.send(update);
      const session = (await client.ofType(updated)).session as Record<string, unknown>;
      appendAudio(client, ulaw, 4000);
      client.send({ type: 'input_audio_buffer.commit' });
      const completed = await client.ofType('conversation.item.input_audio_transcription.completed');
      client.close();
      return { session, transcript: completed.transcript };
    };
    const ga = await transcript(
      {
        type: 'session.update',
        session: {
          type: 'transcription',
          audio: { input: { format: { type: 'audio/pcmu' }, transcription: { model: 'whisper-1', language: 'en' }, turn_detection: null } },
        },
      },
      'session.updated',
    );
    assert.deepEqual(ga.session.audio, {
      input: {
        format: { type: 'audio/pcmu' },
        transcription: { model: 'whisper-1', language: 'en', prompt: null },
        turn_detection: null,
        noise_reduction: null,
      },
    });
    assert.equal(ga.session.type, 'transcription');
    const beta = await transcript(
      {
        type: 'transcription_session.update',
        session: { input_audio_format: 'g711_ulaw', input_audio_transcription: { model: 'whisper-1', language: 'en' }, turn_detection: null },
      },
      'transcription_session.updated',
    );
    assert.equal(ga.transcript, beta.transcript);

    // Errors name the GA fields.
    const client = await RealtimeClient.connect(api.server.url);
    const paramOf = async (session: Record<string, unknown>) => {
      client.send({ type: 'session.update', session });
      return ((await client.ofType('error')).error as { param: string }).param;
    };
    assert.equal(await paramOf({ type: 'realtime' }), 'session.type');
    assert.equal(
      await paramOf({ type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } }),
      'session.audio.input.format',
    );
    assert.equal(
      await paramOf({ type: 'transcription', audio: { input: { transcription: { model: 'nope' } } } }),
      'session.audio.input.transcription.model',
    );
    client.close();
  });

  it('sends the turns of one session in the order they were committed', async () => {
    const client = await RealtimeClient.connect(api.server.url);
    const clips = ['en_5s.wav', 'en_5s_22k.wav', 'de_5s.wav'];
    for (const clip of clips) {
      appendAudio(client, pcm24k(clip).subarray(0, 24000 * 2 * 2));
      client.send({ type: 'input_audio_buffer.commit' });
    }
    const committed = await Promise.all(clips.map(() => client.ofType('input_audio_buffer.committed')));
    const completed = await Promise.all(clips.map(() => client.ofType('conversation.item.input_audio_transcription.completed')));
    assert.deepEqual(
      completed.map((event) => event.item_id),
      committed.map((event) => event.item_id),
    );
    // Every delta comes before its own turn's completed event and after the one before it.
    const order = client.events.filter(
      (event) => typeof event.item_id === 'string' && event.type.startsWith('conversation.item.input_audio_transcription'),
    );
    const turnOf = (event: ServerEvent) => committed.findIndex((c) => c.item_id === event.item_id);
    for (let i = 1; i < order.length; i++)
      assert.ok(turnOf(order[i]!) >= turnOf(order[i - 1]!), JSON.stringify(order.map((e) => [e.type, turnOf(e)])));
    client.close();
  });

  it('answers bad events with OpenAI-shaped error events and keeps the session, and other sessions, going', async () => {
    const client = await RealtimeClient.connect(api.server.url);
    const errorOf = async (send: () => void) => {
      send();
      return (await client.ofType('error')).error as { type: string; code: string; param: string | null; event_id: string | null; message: string };
    };
    assert.equal((await errorOf(() => client.socket.send('{not json'))).code, 'invalid_json');
    const unknown = await errorOf(() => client.send({ type: 'response.create', event_id: 'evt_1' }));
    assert.deepEqual([unknown.type, unknown.code, unknown.param, unknown.event_id], ['invalid_request_error', 'invalid_event_type', 'type', 'evt_1']);
    assert.equal((await errorOf(() => client.send({ type: 'input_audio_buffer.append', audio: 'not base64!' }))).code, 'invalid_base64');
    // Three bytes are not whole 16-bit samples.
    assert.equal(
      (await errorOf(() => client.send({ type: 'input_audio_buffer.append', audio: Buffer.from([1, 2, 3]).toString('base64') }))).code,
      'invalid_audio_format',
    );
    assert.equal((await errorOf(() => client.send({ type: 'input_audio_buffer.commit' }))).code, 'input_audio_buffer_commit_empty');
    assert.equal(
      (await errorOf(() => client.send({ type: 'transcription_session.update', session: { input_audio_format: 'opus' } }))).param,
      'session.input_audio_format',
    );
    assert.equal(
      (await errorOf(() => client.send({ type: 'transcription_session.update', session: { input_audio_transcription: { model: 'nope' } } }))).code,
      'model_not_found',
    );
    // The fixtures have no voice activity detector (test/real/realtime.real.ts has the real one).
    const vad = await errorOf(() => client.send({ type: 'transcription_session.update', session: { turn_detection: { type: 'server_vad' } } }));
    assert.deepEqual([vad.code, vad.param], ['model_not_found', 'session.turn_detection']);
    assert.equal(
      (await errorOf(() => client.send({ type: 'transcription_session.update', session: { turn_detection: { type: 'semantic' } } }))).param,
      'session.turn_detection',
    );
    // A message over 1 MiB: refused, the socket stays open.
    const big = await errorOf(() => client.send({ type: 'input_audio_buffer.append', audio: Buffer.alloc(900_000).toString('base64') }));
    assert.equal(big.code, 'message_too_large');
    // Faster than real time beyond 30 s ahead: the append is refused.
    const second = Buffer.alloc(48_000).toString('base64');
    for (let i = 0; i < 40; i++) client.send({ type: 'input_audio_buffer.append', audio: second });
    const refused = await client.next((event) => event.type === 'error' && (event.error as { code: string }).code === 'rate_limit_exceeded');
    assert.match((refused.error as { message: string }).message, /faster than real time/);
    client.send({ type: 'input_audio_buffer.clear' });
    await client.ofType('input_audio_buffer.cleared');
    assert.equal(client.closed, undefined);

    // Another session is served meanwhile.
    const other = await RealtimeClient.connect(api.server.url);
    appendAudio(other, pcm24k('en_5s.wav'));
    other.send({ type: 'input_audio_buffer.commit' });
    const done = await other.ofType('conversation.item.input_audio_transcription.completed');
    assert.ok(typeof done.transcript === 'string' && done.transcript.length > 0);
    other.close();
    client.close();
  });

  it('closes the socket with 1009 past twice the message limit', async () => {
    const client = await RealtimeClient.connect(api.server.url);
    client.socket.send(Buffer.alloc(3 << 20, 'a').toString());
    await new Promise((resolve) => client.socket.once('close', resolve));
    assert.equal(client.closed?.code, 1009);
  });
});

describe('realtime: API keys on upgrade', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer({ apiKeys: ['sk-realtime'] });
  });
  after(() => api.server.close());

  it('refuses an upgrade without a key, and takes the header or the browser SDK subprotocol', async () => {
    await assert.rejects(RealtimeClient.connect(api.server.url), /HTTP 401/);
    await assert.rejects(RealtimeClient.connect(api.server.url, { headers: { Authorization: 'Bearer wrong' } }), /HTTP 401/);
    const byHeader = await RealtimeClient.connect(api.server.url, { headers: { Authorization: 'Bearer sk-realtime' } });
    await byHeader.ofType('transcription_session.created');
    byHeader.close();
    const byProtocol = await RealtimeClient.connect(api.server.url, {}, ['realtime', 'openai-insecure-api-key.sk-realtime']);
    assert.equal(byProtocol.socket.protocol, 'realtime');
    await byProtocol.ofType('transcription_session.created');
    byProtocol.close();
  });
});

describe('realtime: graceful shutdown', () => {
  it('finishes the turn in progress, then closes the socket with 1001', async () => {
    const api = await startApiServer();
    const client = await RealtimeClient.connect(api.server.url);
    appendAudio(client, pcm24k('en_5s.wav'));
    client.send({ type: 'input_audio_buffer.commit' });
    await client.ofType('input_audio_buffer.committed');
    const closed = new Promise((resolve) => client.socket.once('close', resolve));
    await api.server.close();
    await closed;
    assert.equal(client.closed?.code, 1001);
    assert.ok(
      client.events.some((event) => event.type === 'conversation.item.input_audio_transcription.completed'),
      JSON.stringify(client.events.map((e) => e.type)),
    );
  });
});
