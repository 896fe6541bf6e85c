import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import type { SpeechEngine } from '../../src/engine/SpeechEngine.js';
import type { RunningServer } from '../../src/http/server.js';
import { linkFixtureModel, tempDir } from '../helpers/irFolder.js';
import { rejection } from '../helpers/rejection.js';
import { startTestServer, waitForModels } from '../helpers/server.js';
import { settledFlag } from '../helpers/settled.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const tinySpeechT5 = path.join(fixtures, 'models', 'tiny-speecht5');
const tinyWhisper = path.join(fixtures, 'models', 'tiny-whisper');
const OPTIONS = { device: 'CPU', workers: 1 };
/** 40 sentences: about 4 s of synthesis on the tiny model on a 2-core machine, its first one within 0.1 s. */
const LONG_INPUT = Array.from({ length: 40 }, (_, i) => `This is sentence number ${i + 1} of the test.`).join(' ');
/** A bound for a busy machine, not a measure of speed. */
const DEADLINE_MS = 60_000;

function speech(server: RunningServer, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${server.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ voice: 'alloy', response_format: 'pcm', ...body }),
    ...(signal ? { signal } : {}),
  });
}

/** A streamed transcription (SSE) of a 45 s recording. */
async function streamedTranscription(server: RunningServer, model: string, signal?: AbortSignal): Promise<Response> {
  const form = new FormData();
  form.append('model', model);
  form.append('stream', 'true');
  form.append('file', new Blob([await readFile(path.join(fixtures, 'audio', 'en_45s.flac'))]), 'en_45s.flac');
  return fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form, ...(signal ? { signal } : {}) });
}

/** Rejects if `promise` does not settle within the deadline: a lease that is never released. */
async function withinDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  const timer = sleep(DEADLINE_MS, undefined, { ref: false }).then(() => {
    throw new Error(`${what} did not happen within ${DEADLINE_MS} ms`);
  });
  return Promise.race([promise, timer]);
}

describe('http: models added and removed at run time', () => {
  let server: RunningServer;
  before(async () => {
    const models = tempDir('http-runtime');
    linkFixtureModel('tiny-whisper', path.join(models, 'openai', 'whisper-tiny'));
    server = await startTestServer(models);
    await waitForModels(server);
  });
  after(() => server.close());

  it('serves a model once added; removed, it is unknown to new requests while a streamed one on it finishes', async () => {
    const notYet = await speech(server, { model: 'voices/tiny', input: 'Hi.' });
    assert.equal(notYet.status, 404);
    await notYet.arrayBuffer();
    await server.registry.add('voices/tiny', tinySpeechT5, OPTIONS);
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      listed.data.map((m) => m.id),
      ['openai/whisper-tiny', 'voices/tiny'],
    );
    const engine = server.registry.get('voices/tiny')!.loaded!.engine as SpeechEngine;

    const streamed = await speech(server, { model: 'voices/tiny', input: LONG_INPUT, stream_format: 'audio' });
    assert.equal(streamed.status, 200);
    const reader = streamed.body!.getReader();
    let bytes = (await reader.read()).value?.length ?? 0;
    assert.ok(bytes > 0);

    const removal = server.registry.remove('voices/tiny');
    const removed = settledFlag(removal);
    const late = await speech(server, { model: 'voices/tiny', input: 'Hi.' });
    assert.equal(late.status, 404);
    assert.deepEqual(await late.json(), {
      error: { message: "The model 'voices/tiny' does not exist", type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
    });
    assert.equal(removed(), false, 'the engine is kept while the streamed request runs on it');

    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) bytes += chunk.value.length;
    // 16-bit samples at 24 kHz; the tiny model speaks each sentence for a fraction of a second.
    assert.ok(bytes > 40 * 0.1 * 24_000 * 2, `the whole stream arrived: ${bytes} bytes`);
    await withinDeadline(removal, 'the removal');
    assert.equal((await rejection(engine.synthesize('Hello.'))).code, 'UNAVAILABLE');
  });

  it('releases the lease of a streamed request whose client goes away', async () => {
    for (const stream_format of ['audio', 'sse']) {
      await server.registry.add('voices/abandoned', tinySpeechT5, OPTIONS);
      const client = new AbortController();
      const streamed = await speech(server, { model: 'voices/abandoned', input: LONG_INPUT, stream_format }, client.signal);
      assert.equal(streamed.status, 200);
      await streamed.body!.getReader().read();
      client.abort();
      // Removal waits for the last lease: it resolves only if the abandoned request released its own.
      await withinDeadline(server.registry.remove('voices/abandoned'), `the removal after an abandoned ${stream_format} stream`);
    }
  });

  it('releases the leases of requests that fail after their model was found', async () => {
    await server.registry.add('voices/failing', tinySpeechT5, OPTIONS);
    const unknownVoice = await speech(server, { model: 'voices/failing', voice: 'nobody', input: 'Hi.' });
    assert.equal(unknownVoice.status, 400);
    await unknownVoice.arrayBuffer();
    const form = new FormData();
    form.append('model', 'voices/failing');
    form.append('file', new Blob([Buffer.from('RIFF')]), 'a.wav');
    const wrongKind = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
    assert.equal(wrongKind.status, 400);
    assert.deepEqual(await wrongKind.json(), {
      error: {
        message: "The model 'voices/failing' is a speech model, not a transcription model",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_supported',
      },
    });
    const voices = await fetch(`${server.url}/v1/audio/voices?model=voices/failing`);
    assert.equal(voices.status, 200);
    await voices.arrayBuffer();
    const whole = await speech(server, { model: 'voices/failing', input: 'Hi.' });
    assert.equal(whole.status, 200);
    await whole.arrayBuffer();
    await withinDeadline(server.registry.remove('voices/failing'), 'the removal after failed requests');
  });

  it('finishes a transcription stream on a removed model; neither it nor an abandoned one keeps its lease', async () => {
    await server.registry.add('asr/tiny', tinyWhisper, OPTIONS);
    const streamed = await streamedTranscription(server, 'asr/tiny');
    assert.equal(streamed.status, 200);
    const reader = streamed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let events = (await reader.read()).value ?? '';
    const removal = server.registry.remove('asr/tiny');
    const late = await streamedTranscription(server, 'asr/tiny');
    assert.equal(late.status, 404);
    await late.arrayBuffer();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) events += chunk.value;
    assert.match(events, /"type":"transcript\.text\.done"/);
    await withinDeadline(removal, 'the removal after the transcription stream');

    await server.registry.add('asr/abandoned', tinyWhisper, OPTIONS);
    const client = new AbortController();
    const abandoned = await streamedTranscription(server, 'asr/abandoned', client.signal);
    assert.equal(abandoned.status, 200);
    await abandoned.body!.getReader().read();
    client.abort();
    await withinDeadline(server.registry.remove('asr/abandoned'), 'the removal after an abandoned transcription stream');
  });
});
