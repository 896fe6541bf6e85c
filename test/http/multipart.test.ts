import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import Koa from 'koa';
import OpenAI, { toFile } from 'openai';

import { ApiError } from '../../src/http/errors.js';
import { readMultipartForm } from '../../src/http/multipart.js';
import { fixtures } from '../helpers/audio.js';
import { type ChildServer, startChildServer } from '../helpers/childServer.js';

const BOUNDARY = 'XyZ';
const FILE_PART_HEAD = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`;
/** Issue 10's reproducer: the file part opens and the body ends without its closing boundary. */
const TRUNCATED_FILE_PART = Buffer.from(`${FILE_PART_HEAD}RIFF1234`);

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One POST of exactly `body` over a real socket, with the agent given (keep-alive reuses the connection). */
async function post(url: string, body: Buffer, contentType: string, agent?: http.Agent): Promise<RawResponse> {
  const request = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': contentType, 'Content-Length': body.length } });
  request.end(body);
  const [response] = (await once(request, 'response')) as [http.IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') };
}

function invalidMultipart(message: string) {
  return {
    error: { message: `The multipart body cannot be read: ${message}`, type: 'invalid_request_error', param: null, code: 'invalid_multipart' },
  };
}

// `ovspeech serve` as a child process: a crash ends it, which the in-process test runner would have survived.
describe('http: a broken multipart upload is a 400 and the server keeps serving', () => {
  let server: ChildServer;
  let client: OpenAI;
  let expectedText: string;
  const clip = () => toFile(readFileSync(path.join(fixtures, 'audio', 'en_1s.wav')), 'en_1s.wav');
  before(async () => {
    server = await startChildServer([]);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    expectedText = (await client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1' })).text;
  });
  after(async () => {
    await server.stop();
    assert.deepEqual(server.exit, { code: 0, signal: null }, server.output());
  });

  it('answers the truncated file part of issue 10 with 400 invalid_multipart, then transcribes as before', async () => {
    const response = await post(`${server.url}/v1/audio/transcriptions`, TRUNCATED_FILE_PART, `multipart/form-data; boundary=${BOUNDARY}`);
    assert.equal(response.status, 400);
    assert.deepEqual(JSON.parse(response.body), invalidMultipart('Unexpected end of form'));
    assert.equal(server.exit, undefined, server.output());
    const again = await client.audio.transcriptions.create({ file: await clip(), model: 'whisper-1' });
    assert.equal(again.text, expectedText);
  });

  it('answers a body that ends inside a file part of another name with 400 too', async () => {
    const body = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n\r\nRIFF`);
    const response = await post(`${server.url}/v3/audio/translations`, body, `multipart/form-data; boundary=${BOUNDARY}`);
    assert.equal(response.status, 400);
    assert.deepEqual(JSON.parse(response.body), invalidMultipart('Unexpected end of form'));
  });

  it('answers a part whose Content-Disposition has no name with 400, as a field and as a file', async () => {
    for (const disposition of ['form-data; nam="language"', 'form-data; filename="a.wav"']) {
      const body = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\nen\r\n--${BOUNDARY}--\r\n`);
      const response = await post(`${server.url}/v1/audio/transcriptions`, body, `multipart/form-data; boundary=${BOUNDARY}`);
      assert.equal(response.status, 400, disposition);
      assert.deepEqual(JSON.parse(response.body), {
        error: {
          message: 'A part of the multipart body has no name in its Content-Disposition header',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_multipart',
        },
      });
    }
  });

  it('answers a malformed part header with 400 and reads the next request on the same connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // The bad header comes before a large file part, so the rest of the body is still on the wire.
      const rest = Buffer.alloc(256 * 1024, 7);
      const body = Buffer.concat([
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nno colon here\r\n\r\n`),
        rest,
      ]);
      const bad = await post(`${server.url}/v1/audio/transcriptions`, body, `multipart/form-data; boundary=${BOUNDARY}`, agent);
      assert.equal(bad.status, 400);
      assert.deepEqual(JSON.parse(bad.body), invalidMultipart('Malformed part header'));
      const form = Buffer.concat([
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n${FILE_PART_HEAD}`),
        readFileSync(path.join(fixtures, 'audio', 'en_1s.wav')),
        Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
      ]);
      const good = await post(`${server.url}/v1/audio/transcriptions`, form, `multipart/form-data; boundary=${BOUNDARY}`, agent);
      assert.equal(good.status, 200, good.body);
      assert.equal((JSON.parse(good.body) as { text: string }).text, expectedText);
    } finally {
      agent.destroy();
    }
  });

  it('answers a second file with 400 "Only one file may be uploaded"', async () => {
    const audio = readFileSync(path.join(fixtures, 'audio', 'en_1s.wav'));
    const body = Buffer.concat([
      Buffer.from(FILE_PART_HEAD),
      audio,
      Buffer.from(`\r\n${FILE_PART_HEAD}`),
      audio,
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    const response = await post(`${server.url}/v1/audio/transcriptions`, body, `multipart/form-data; boundary=${BOUNDARY}`);
    assert.equal(response.status, 400);
    assert.deepEqual(JSON.parse(response.body), {
      error: { message: 'Only one file may be uploaded', type: 'invalid_request_error', param: 'file', code: 'invalid_value' },
    });
  });
});

type Outcome = { ok: true } | { ok: false; status: number; code: string | null };

describe('http: the multipart reader settles once and leaves no listener on the request', () => {
  let server: http.Server;
  let url: string;
  const outcomes: { outcome: Outcome; listeners: number }[] = [];
  let nextOutcome: (() => void) | undefined;
  let nextStart: (() => void) | undefined;

  before(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx) => {
      nextStart?.();
      const before = ['data', 'aborted', 'error'].map((event) => ctx.req.listenerCount(event));
      let outcome: Outcome;
      try {
        await readMultipartForm(ctx, { maxFileBytes: 1024 });
        outcome = { ok: true };
      } catch (error) {
        assert.ok(error instanceof ApiError, String(error));
        outcome = { ok: false, status: error.status, code: error.code };
      }
      const listeners = ['data', 'aborted', 'error'].reduce((sum, event, i) => sum + ctx.req.listenerCount(event) - (before[i] ?? 0), 0);
      outcomes.push({ outcome, listeners });
      nextOutcome?.();
      ctx.body = outcome;
    });
    server = http.createServer(app.callback()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const settled = () => new Promise<void>((resolve) => (nextOutcome = resolve));
  const started = () => new Promise<void>((resolve) => (nextStart = resolve));

  it('resolves a whole form, rejects a truncated one, a file over the limit and an aborted upload, each without leftovers', async () => {
    const contentType = `multipart/form-data; boundary=${BOUNDARY}`;
    await post(url, Buffer.from(`${FILE_PART_HEAD}RIFF\r\n--${BOUNDARY}--\r\n`), contentType);
    await post(url, TRUNCATED_FILE_PART, contentType);
    await post(url, Buffer.from(`${FILE_PART_HEAD}${'x'.repeat(2048)}\r\n--${BOUNDARY}--\r\n`), contentType);

    // The client sends half of what it declared and hangs up.
    const aborted = settled();
    const reading = started();
    const request = http.request(url, { method: 'POST', headers: { 'Content-Type': contentType, 'Content-Length': 1000 } });
    request.on('error', () => {});
    request.write(FILE_PART_HEAD);
    request.flushHeaders();
    await reading;
    request.destroy();
    await aborted;

    assert.deepEqual(outcomes, [
      { outcome: { ok: true }, listeners: 0 },
      { outcome: { ok: false, status: 400, code: 'invalid_multipart' }, listeners: 0 },
      { outcome: { ok: false, status: 413, code: 'file_too_large' }, listeners: 0 },
      { outcome: { ok: false, status: 400, code: 'aborted' }, listeners: 0 },
    ]);
  });
});
