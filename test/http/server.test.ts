import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { RunningServer } from '../../src/http/server.js';
import { fixtures } from '../helpers/audio.js';
import { chainIrXml, linkFixtureModel, tempDir, writeIrFolder } from '../helpers/irFolder.js';
import { startTestServer, waitForModels } from '../helpers/server.js';

const openAiError = (message: string, code: string | null, param: string | null = null) => ({
  error: { message, type: 'invalid_request_error', param, code },
});

describe('http: a models folder with a broken model', () => {
  let server: RunningServer;
  let models: string;
  before(async () => {
    models = tempDir('http-broken');
    linkFixtureModel('tiny-whisper', path.join(models, 'openai', 'whisper-tiny'));
    linkFixtureModel('tiny-speecht5', path.join(models, 'microsoft', 'speecht5_tts'));
    const broken = writeIrFolder(path.join(models, 'broken'));
    writeIrFolder(path.join(models, 'other-family'), { modelType: 'bert' });
    writeFileSync(path.join(broken, 'openvino_encoder_model.xml'), chainIrXml(2).slice(0, 200));
    server = await startTestServer(models);
    await waitForModels(server);
  });
  after(() => server.close());

  it('reports the broken model and its reason on /health with 503, still serving', async () => {
    const response = await fetch(`${server.url}/health`);
    assert.equal(response.status, 503);
    const body = (await response.json()) as {
      status: string;
      models: { id: string; state: string; family: string | null; error?: string; code?: string }[];
    };
    assert.equal(body.status, 'failed');
    const broken = body.models.find((m) => m.id === 'broken');
    assert.equal(broken?.state, 'failed');
    assert.match(broken?.error ?? '', /cannot read openvino_encoder_model\.xml/);
    assert.equal(broken?.code, 'UNSUPPORTED_MODEL');
    const other = body.models.find((m) => m.id === 'other-family');
    assert.equal(other?.state, 'failed');
    assert.equal(other?.error, 'model_type "bert" is not a family ovspeech serves (piper, silero-vad, speecht5, whisper)');
    assert.equal(other?.code, 'UNSUPPORTED_MODEL');
    assert.equal(body.models.find((m) => m.state === 'ready')?.code, undefined);
    assert.deepEqual(
      body.models.filter((m) => m.state === 'ready').map((m) => [m.id, m.family]),
      [
        ['microsoft/speecht5_tts', 'speecht5'],
        ['openai/whisper-tiny', 'whisper'],
      ],
    );
    assert.equal((await fetch(`${server.url}/v1/models`)).status, 200);
  });

  it('is live but not ready by default; ready with one model of each kind when --ready-when is each-kind', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/health/live`)).json(), { status: 'live' });
    const ready = await fetch(`${server.url}/health/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'not_ready', policy: 'all', waiting_for: ['broken', 'other-family'] });
    const perKind = await startTestServer(models, { readyWhen: 'each-kind' });
    try {
      await waitForModels(perKind);
      const response = await fetch(`${perKind.url}/health/ready`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ready', policy: 'each-kind' });
    } finally {
      await perKind.close();
    }
  });

  it("answers a request for a model that failed to load with 503 model_unavailable, giving the load error's code", async () => {
    const response = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'broken', voice: 'alloy', input: 'Hi.' }),
    });
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), {
      error: {
        message: "The model 'broken' failed to load (UNSUPPORTED_MODEL); see /health",
        type: 'server_error',
        param: 'model',
        code: 'model_unavailable',
      },
    });
  });

  it('lists every model folder in the OpenAI list format', async () => {
    const response = await fetch(`${server.url}/v1/models`);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await response.json()) as { object: string; data: Record<string, unknown>[] };
    assert.equal(body.object, 'list');
    assert.deepEqual(
      body.data.map((m) => [m.id, m.object, m.owned_by, typeof m.created]),
      [
        ['broken', 'model', 'ovspeech', 'number'],
        ['microsoft/speecht5_tts', 'model', 'microsoft', 'number'],
        ['openai/whisper-tiny', 'model', 'openai', 'number'],
        ['other-family', 'model', 'ovspeech', 'number'],
      ],
    );
  });

  it('retrieves one model by an id containing "/"', async () => {
    const response = await fetch(`${server.url}/v1/models/openai/whisper-tiny`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.id, 'openai/whisper-tiny');
    assert.equal(body.object, 'model');
    const missing = await fetch(`${server.url}/v1/models/openai/whisper-huge`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), openAiError("The model 'openai/whisper-huge' does not exist", 'model_not_found', 'model'));
  });

  it('answers an unknown route with an OpenAI-shaped 404', async () => {
    const response = await fetch(`${server.url}/v1/nothing/here?x=1`, { method: 'POST' });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), openAiError('Invalid URL (POST /v1/nothing/here)', 'unknown_url'));
  });

  it('answers a wrong method on a known route with an OpenAI-shaped 405', async () => {
    const response = await fetch(`${server.url}/v1/models`, { method: 'DELETE' });
    assert.equal(response.status, 405);
    assert.deepEqual(await response.json(), openAiError('Method not allowed for this URL', 'method_not_allowed'));
  });

  it('gives every response a request id, keeping a sane one from the client', async () => {
    const own = await fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'client-42' } });
    assert.equal(own.headers.get('x-request-id'), 'client-42');
    const fresh = await fetch(`${server.url}/health`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('http: healthy models', () => {
  it('answers /health 503 while loading, then 200 once every model is ready', async () => {
    const models = tempDir('http-healthy');
    linkFixtureModel('tiny-whisper', path.join(models, 'whisper'));
    linkFixtureModel('tiny-speecht5', path.join(models, 'speecht5'));
    const server = await startTestServer(models);
    try {
      // Compiling the models takes far longer than one request on loopback.
      const loading = await fetch(`${server.url}/health`);
      assert.equal(loading.status, 503);
      assert.equal(((await loading.json()) as { status: string }).status, 'loading');
      const notReady = await fetch(`${server.url}/health/ready`);
      assert.equal(notReady.status, 503);
      assert.equal(((await notReady.json()) as { status: string }).status, 'not_ready');
      assert.equal((await fetch(`${server.url}/health/live`)).status, 200);
      await waitForModels(server);
      assert.equal((await fetch(`${server.url}/health/ready`)).status, 200);
      const ready = await fetch(`${server.url}/health`);
      assert.equal(ready.status, 200);
      const body = (await ready.json()) as { status: string; models: { id: string; family: string; state: string; memory_mb: number }[] };
      assert.equal(body.status, 'ok');
      assert.deepEqual(
        body.models.map(({ id, family, state }) => ({ id, family, state })),
        [
          { id: 'speecht5', family: 'speecht5', state: 'ready' },
          { id: 'whisper', family: 'whisper', state: 'ready' },
        ],
      );
      // What each load added to the process's memory.
      for (const model of body.models) assert.ok(model.memory_mb >= 0, JSON.stringify(model));
      assert.equal(server.registry.get('whisper')?.loaded?.kind, 'transcription');
      assert.equal(server.registry.get('speecht5')?.loaded?.kind, 'speech');
    } finally {
      await server.close();
    }
  });

  it("writes OpenVINO's compiled models to --cache-dir and serves from them on the next start", async () => {
    const models = tempDir('http-cached');
    linkFixtureModel('tiny-whisper', path.join(models, 'whisper'));
    const cacheDir = path.join(tempDir('http-cache'), 'openvino');
    mkdirSync(cacheDir);
    const transcript = async () => {
      const server = await startTestServer(models, { cacheDir });
      try {
        await waitForModels(server);
        const form = new FormData();
        form.append('file', new Blob([readFileSync(path.join(fixtures, 'audio', 'en_5s.wav'))], { type: 'audio/wav' }), 'clip.wav');
        form.append('model', 'whisper');
        const response = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
        assert.equal(response.status, 200);
        return ((await response.json()) as { text: string }).text;
      } finally {
        await server.close();
      }
    };
    const first = await transcript();
    const blobs = readdirSync(cacheDir).filter((name) => name.endsWith('.blob'));
    assert.ok(blobs.length > 0, `cache: ${readdirSync(cacheDir).join(', ')}`);
    assert.equal(await transcript(), first);
    // Read back, not compiled again: no new entries.
    assert.deepEqual(
      readdirSync(cacheDir)
        .filter((name) => name.endsWith('.blob'))
        .sort(),
      blobs.sort(),
    );
  });
});
