// Models unloaded and loaded at run time over HTTP: the endpoints behind the key, requests held through an
// unload, 503 with Retry-After meanwhile, and a transparent reload on the next request.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { type ApiServer, startApiServer } from '../helpers/apiServer.js';
import { fixtures } from '../helpers/audio.js';

const KEY = 'sk-lifecycle';
const SPEECH = 'microsoft/speecht5_tts';
const WHISPER = 'openai/whisper-tiny';

describe('http: models unloaded and loaded at run time', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer({ apiKeys: [KEY] }, KEY);
  });
  after(() => api.server.close());

  const call = (method: string, url: string, key: string | null = KEY, body?: unknown) =>
    fetch(`${api.server.url}${url}`, {
      method,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const state = async (id: string) =>
    ((await (await fetch(`${api.server.url}/health`)).json()) as { models: { id: string; state: string }[] }).models.find((m) => m.id === id)?.state;

  it('unloads and loads with the key only; an unloaded model is loaded again by the next request; readiness unaffected by either', async () => {
    assert.equal((await call('DELETE', `/v1/models/${WHISPER}`, null)).status, 401);
    assert.equal((await call('POST', `/v1/models/${WHISPER}/load`, 'sk-wrong')).status, 401);
    assert.equal((await call('DELETE', '/v1/models/nobody/here')).status, 404);

    const unloaded = await call('DELETE', `/v1/models/${WHISPER}`);
    assert.equal(unloaded.status, 200);
    assert.deepEqual(await unloaded.json(), {
      id: WHISPER,
      object: 'model',
      created: ((await (await call('GET', `/v1/models/${WHISPER}`)).json()) as { created: number }).created,
      owned_by: 'openai',
      state: 'unloaded',
    });
    assert.equal(await state(WHISPER), 'unloaded');
    // Still listed, /health and /health/ready still 200: the model loads on request.
    assert.ok(((await (await call('GET', '/v1/models')).json()) as { data: { id: string }[] }).data.some((m) => m.id === WHISPER));
    assert.equal((await fetch(`${api.server.url}/health`)).status, 200);
    assert.equal((await fetch(`${api.server.url}/health/ready`)).status, 200);

    const { text } = await api.client.audio.transcriptions.create({
      file: createReadStream(path.join(fixtures, 'audio', 'en_5s.wav')),
      model: WHISPER,
    });
    assert.ok(text.length > 0);
    assert.equal(await state(WHISPER), 'ready');

    assert.equal((await call('DELETE', `/v1/models/${WHISPER}`)).status, 200);
    // While it loads again, the replica stays ready (the model is served once loaded).
    let loadDone = false;
    const loading = call('POST', `/v1/models/${WHISPER}/load`).finally(() => (loadDone = true));
    const seen = new Set<string>();
    while (!loadDone) {
      seen.add(`${await state(WHISPER)}`);
      assert.equal((await fetch(`${api.server.url}/health/ready`)).status, 200);
    }
    assert.ok(seen.has('loading'), [...seen].join(', '));
    const loaded = await loading;
    assert.equal(loaded.status, 200);
    assert.equal(((await loaded.json()) as { state: string }).state, 'ready');
    // Loading a ready model does nothing.
    assert.equal(((await (await call('POST', `/v1/models/${WHISPER}/load`)).json()) as { state: string }).state, 'ready');
  });

  it('lets a request in flight finish before the model unloads, and answers others 503 with Retry-After meanwhile', async () => {
    // Streamed speech of several sentences: the model is held until the last byte.
    const speaking = await call('POST', '/v1/audio/speech', KEY, {
      model: SPEECH,
      voice: 'alloy',
      input: 'One two three. Four five six. Seven eight nine. Ten eleven twelve. Thirteen fourteen.',
      response_format: 'pcm',
      stream_format: 'audio',
    });
    assert.equal(speaking.status, 200);
    const reader = speaking.body!.getReader();
    const first = await reader.read();
    assert.ok(!first.done && first.value.length > 0);

    const unloading = call('DELETE', `/v1/models/${SPEECH}`);
    for (let i = 0; i < 100 && (await state(SPEECH)) !== 'unloading'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await state(SPEECH), 'unloading');
    const refused = await call('POST', '/v1/audio/speech', KEY, { model: SPEECH, voice: 'alloy', input: 'Hi.' });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.deepEqual(((await refused.json()) as { error: { code: string; param: string } }).error, {
      message: `The model '${SPEECH}' is unloading; try again shortly`,
      type: 'server_error',
      param: 'model',
      code: 'model_unloading',
    });

    // The request in flight is served to its end, then the model unloads.
    let bytes = first.value.length;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) bytes += chunk.value.length;
    assert.ok(bytes > 24000, `${bytes} bytes of speech`);
    const done = await unloading;
    assert.equal(done.status, 200);
    assert.equal(((await done.json()) as { state: string }).state, 'unloaded');
    // And the next request loads it again.
    const again = await call('POST', '/v1/audio/speech', KEY, { model: SPEECH, voice: 'alloy', input: 'Hi.', response_format: 'wav' });
    assert.equal(again.status, 200);
    assert.ok((await again.arrayBuffer()).byteLength > 44);
  });
});

describe('http: models unloaded by themselves', () => {
  const states = async (api: ApiServer) =>
    Object.fromEntries(
      ((await (await fetch(`${api.server.url}/health`)).json()) as { models: { id: string; state: string }[] }).models.map((m) => [m.id, m.state]),
    );
  const until = async (test: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await test()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`not ${what} within 10 s`);
  };
  const transcribe = (api: ApiServer) =>
    api.client.audio.transcriptions.create({ file: createReadStream(path.join(fixtures, 'audio', 'en_5s.wav')), model: WHISPER });

  it('loads only the models --preload names at start; the others load on their first request', async () => {
    const api = await startApiServer({ preload: [WHISPER] });
    try {
      assert.deepEqual(await states(api), { [SPEECH]: 'unloaded', [WHISPER]: 'ready' });
      assert.equal((await fetch(`${api.server.url}/health/ready`)).status, 200);
      const speech = await fetch(`${api.server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: SPEECH, voice: 'alloy', input: 'Hi.', response_format: 'wav' }),
      });
      assert.equal(speech.status, 200);
      assert.equal((await states(api))[SPEECH], 'ready');
    } finally {
      await api.server.close();
    }
    await assert.rejects(startApiServer({ preload: ['openai/whisper-huge'] }), /--preload names 'openai\/whisper-huge', not among the model folders/);
  });

  it('unloads a model idle for --model-ttl, and the next request loads it again', async () => {
    const api = await startApiServer({ modelTtlMs: 1000 });
    try {
      const { text } = await transcribe(api);
      await until(async () => (await states(api))[WHISPER] === 'unloaded', 'unloaded');
      assert.equal((await transcribe(api)).text, text);
      assert.equal((await states(api))[WHISPER], 'ready');
    } finally {
      await api.server.close();
    }
  });

  it('keeps the loaded models within --memory-budget-mb by unloading the least recently used', async () => {
    // A budget smaller than any model: a load unloads every other idle model.
    const api = await startApiServer({ memoryBudgetBytes: 1024 * 1024 });
    try {
      // Loaded in id order at start: the speech model first, unloaded once Whisper has loaded.
      await until(async () => (await states(api))[SPEECH] === 'unloaded', 'the speech model unloaded');
      assert.equal((await states(api))[WHISPER], 'ready');
      const speech = await fetch(`${api.server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: SPEECH, voice: 'alloy', input: 'Hi.', response_format: 'wav' }),
      });
      assert.equal(speech.status, 200);
      await until(async () => (await states(api))[WHISPER] === 'unloaded', 'Whisper unloaded');
      assert.equal((await states(api))[SPEECH], 'ready');
    } finally {
      await api.server.close();
    }
  });
});
