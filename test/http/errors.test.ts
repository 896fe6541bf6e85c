import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import OpenAI, { toFile } from 'openai';

import { apiError } from '../helpers/apiError.js';
import { type ApiServer, startApiServer } from '../helpers/apiServer.js';
import { fixtures } from '../helpers/audio.js';
import { ffconcat, hls, tripwire } from '../helpers/crafted.js';
import { tempDir } from '../helpers/irFolder.js';
import { waitFor } from '../helpers/waitFor.js';

const clip = (name: string) => readFileSync(path.join(fixtures, 'audio', name));
const upload = (name: string, bytes: Uint8Array = clip(name)) => toFile(bytes, name);

async function expectError(call: Promise<unknown>, status: number, code: string, param: string | null = null) {
  const error = await apiError(call);
  assert.equal(error.status, status, error.message);
  assert.equal(error.code, code, error.message);
  assert.equal(error.param, param, error.message);
  return error;
}

function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** A WAV of `seconds` of a tone with noise, made at run time (long enough to cancel mid-way). */
function longWav(seconds: number): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=16000:duration=${seconds}`, '-f', 'wav', '-'], {
    maxBuffer: 1 << 26,
  });
}

async function metricValue(url: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = text.split('\n').find((l) => line.test(l));
  return found === undefined ? 0 : Number(found.split(' ').at(-1));
}

describe('http errors: bad parameters and unknown things', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer({ maxUploadBytes: 100 * 1024, maxInputCharacters: 50 });
  });
  after(() => api.server.close());

  it('400 names the transcription parameter at fault', async () => {
    const t = api.client.audio.transcriptions;
    const file = await upload('en_1s.wav');
    await expectError(t.create({ file, model: 'whisper-1', response_format: 'xml' as 'json' }), 400, 'invalid_argument', 'response_format');
    await expectError(t.create({ file, model: 'whisper-1', temperature: 2 }), 400, 'invalid_argument', 'temperature');
    await expectError(t.create({ file, model: 'whisper-1', timestamp_granularities: ['word'] }), 400, 'invalid_argument', 'timestamp_granularities');
    await expectError(t.create({ file, model: 'whisper-1', response_format: 'srt', stream: true }), 400, 'invalid_argument', 'stream');
    await expectError(t.create({ file, model: 'whisper-1', response_format: 'text', include: ['logprobs'] }), 400, 'invalid_argument', 'include');
    await expectError(t.create({ file, model: 'whisper-1', include: ['everything' as 'logprobs'] }), 400, 'invalid_argument', 'include[]');
    await expectError(t.create({ file, model: 'whisper-1', language: 'english' }), 400, 'invalid_argument', 'language');
    await expectError(
      t.create({ file, model: 'whisper-1', chunking_strategy: { type: 'server_vad' } }),
      400,
      'invalid_argument',
      'chunking_strategy',
    );
    const form = new FormData();
    form.append('model', 'whisper-1');
    const missing = await fetch(`${api.server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), {
      error: {
        message: 'The audio file is missing: send it in the field "file"',
        type: 'invalid_request_error',
        param: 'file',
        code: 'invalid_argument',
      },
    });
  });

  it('400 names the speech parameter at fault', async () => {
    const s = api.client.audio.speech;
    await expectError(s.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.', speed: 10 }), 400, 'invalid_argument', 'speed');
    await expectError(s.create({ model: 'tts-1', voice: 'nobody', input: 'Hi.' }), 400, 'invalid_argument', 'voice');
    await expectError(
      s.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'ogg' as 'mp3' }),
      400,
      'invalid_argument',
      'response_format',
    );
    await expectError(s.create({ model: 'tts-1', voice: 'alloy', input: 'x'.repeat(51) }), 400, 'invalid_argument', 'input');
    await expectError(s.create({ model: 'tts-1', voice: 'alloy', input: '   ' }), 400, 'invalid_argument', 'input');
    const missing = await postJson(`${api.server.url}/v1/audio/speech`, { model: 'tts-1' });
    assert.deepEqual(await missing.json(), {
      error: { message: "Missing required parameter: 'input'.", type: 'invalid_request_error', param: 'input', code: 'invalid_argument' },
    });
    const broken = await fetch(`${api.server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input": ',
    });
    assert.equal(broken.status, 400);
    assert.equal(((await broken.json()) as { error: { code: string } }).error.code, 'invalid_json');
  });

  it('404 for an unknown model, 400 for a model of the other kind', async () => {
    await expectError(
      api.client.audio.transcriptions.create({ file: await upload('en_1s.wav'), model: 'whisper-9' }),
      404,
      'model_not_found',
      'model',
    );
    await expectError(
      api.client.audio.speech.create({ model: 'openai/whisper-tiny', voice: 'alloy', input: 'Hi.' }),
      400,
      'model_not_supported',
      'model',
    );
    await expectError(
      api.client.audio.transcriptions.create({ file: await upload('en_1s.wav'), model: 'microsoft/speecht5_tts' }),
      400,
      'model_not_supported',
      'model',
    );
  });

  it('413 for an upload over the limit, and the server answers the next request', async () => {
    const error = await expectError(
      api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'whisper-1' }),
      413,
      'file_too_large',
      'file',
    );
    assert.equal(error.message, '413 The uploaded file is larger than the limit of 0.1 MB');
    // Far beyond the limit the body is not read at all.
    const huge = new FormData();
    huge.append('file', new Blob([Buffer.alloc(4 << 20)]), 'big.wav');
    const response = await fetch(`${api.server.url}/v1/audio/transcriptions`, { method: 'POST', body: huge });
    assert.equal(response.status, 413);
    assert.equal(response.headers.get('connection'), 'close');
    const ok = await api.client.audio.transcriptions.create({ file: await upload('en_1s.wav'), model: 'whisper-1' });
    assert.equal(typeof ok.text, 'string');
  });

  it('415 for a body of the wrong type', async () => {
    const json = await postJson(`${api.server.url}/v1/audio/transcriptions`, { model: 'whisper-1' });
    assert.equal(json.status, 415);
    assert.equal(((await json.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
    const text = await fetch(`${api.server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Hello' });
    assert.equal(text.status, 415);
    assert.deepEqual(await text.json(), {
      error: {
        message: 'Unsupported Content-Type "text/plain"; this endpoint takes application/json',
        type: 'invalid_request_error',
        param: null,
        code: 'unsupported_media_type',
      },
    });
  });

  it('422 for audio that cannot be decoded: empty, truncated, garbage', async () => {
    const t = api.client.audio.transcriptions;
    await expectError(t.create({ file: await upload('empty.wav', Buffer.alloc(0)), model: 'whisper-1' }), 422, 'invalid_audio', 'file');
    const wav = clip('en_1s.wav');
    const cut = wav.subarray(0, 44 + 2 * 1000 + 1);
    const truncated = await expectError(t.create({ file: await upload('cut.wav', cut), model: 'whisper-1' }), 422, 'invalid_audio', 'file');
    assert.match(truncated.message, /ends inside a sample frame/);
    await expectError(
      t.create({ file: await upload('noise.mp3', Buffer.from('not audio at all, not even close')), model: 'whisper-1' }),
      422,
      'invalid_audio',
      'file',
    );
  });

  it('422 for decoded audio the model cannot use: a NaN or infinite sample, or shorter than its features need', async () => {
    const t = api.client.audio.transcriptions;
    /** A 16 kHz mono float WAV of `samples`, written by ffmpeg from raw float32. */
    const floatWav = (samples: Float32Array) =>
      execFileSync('ffmpeg', ['-v', 'error', '-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', '-', '-c:a', 'pcm_f32le', '-f', 'wav', '-'], {
        input: Buffer.from(samples.buffer),
      });
    const tone = (length: number) => Float32Array.from({ length }, (_, i) => 0.5 * Math.sin(i / 5));

    const withNaN = tone(16000);
    withNaN[1234] = Number.NaN;
    const nan = await expectError(t.create({ file: await upload('nan.wav', floatWav(withNaN)), model: 'whisper-1' }), 422, 'invalid_audio', 'file');
    assert.equal(nan.message, '422 Sample 1234 (frame 1234, channel 0) of the WAV upload is NaN; audio samples must be finite');
    const withInf = tone(16000);
    withInf[99] = Number.NEGATIVE_INFINITY;
    const inf = await expectError(t.create({ file: await upload('inf.wav', floatWav(withInf)), model: 'whisper-1' }), 422, 'invalid_audio', 'file');
    assert.equal(inf.message, '422 Sample 99 (frame 99, channel 0) of the WAV upload is -Infinity; audio samples must be finite');

    // The shortest audio is the model's own figure (more than n_fft / 2 samples, from its preprocessor_config.json):
    // one sample fewer is refused as undecodable before any work, that many are transcribed.
    const whisper = api.server.registry.get('openai/whisper-tiny')?.loaded;
    if (whisper?.kind !== 'transcription') return assert.fail('the Whisper model is not loaded');
    const { samples: needed, sampleRate } = whisper.engine.minimumAudio;
    assert.deepEqual({ needed, sampleRate }, { needed: 201, sampleRate: 16000 }, "the fixture's n_fft is 400 at 16 kHz");
    const short = await expectError(
      t.create({ file: await upload('short.wav', floatWav(tone(needed - 1))), model: 'whisper-1' }),
      422,
      'invalid_audio',
      'file',
    );
    assert.equal(
      short.message,
      `422 The WAV upload is too short: it has ${needed - 1} samples at 16000 Hz, and the model needs at least ${needed} samples at 16000 Hz (12.6 ms)`,
    );
    const enough = await t.create({ file: await upload('enough.wav', floatWav(tone(needed))), model: 'whisper-1', response_format: 'verbose_json' });
    assert.ok(Math.abs(enough.duration - needed / sampleRate) < 1e-6, `duration ${enough.duration}`);
  });

  it('a WAV header claiming 4 GB: the 1 s that is there is transcribed', async () => {
    const wav = Buffer.from(clip('en_1s.wav'));
    wav.writeUInt32LE(0xfffffff8, 4);
    wav.writeUInt32LE(0xfffffff0, 40);
    const result = await api.client.audio.transcriptions.create({
      file: await upload('claim.wav', wav),
      model: 'whisper-1',
      response_format: 'verbose_json',
    });
    assert.equal(result.duration, 1);
  });

  it('422 for HLS playlists and ffconcat lists that point at a local file, which is never opened', async () => {
    const dir = tempDir('http-crafted');
    for (const [kind, payload] of [
      ['hls', (fifo: string) => hls(`file://${fifo}`)],
      ['concat', (fifo: string) => ffconcat(`file:${fifo}`)],
    ] as const) {
      const wire = tripwire(dir, `${kind}.ts`);
      for (const name of ['upload.m3u8', 'song.mp3', 'voice.m4a']) {
        await expectError(
          api.client.audio.transcriptions.create({ file: await upload(name, payload(wire.fifo)), model: 'whisper-1' }),
          422,
          'invalid_audio',
          'file',
        );
      }
      await sleep(100);
      assert.equal(wire.opened(), false, `${kind}: the referenced file was opened`);
      await wire.release();
    }
  });
});

describe('http errors: keys, overload, timeouts, disconnects', () => {
  it('401 without the key or with a wrong one; /health, its probes and /metrics stay open', async () => {
    const api = await startApiServer({ apiKeys: ['sk-first', 'sk-second'] }, 'sk-second');
    try {
      const ok = await api.client.audio.transcriptions.create({ file: await upload('en_1s.wav'), model: 'whisper-1' });
      assert.equal(typeof ok.text, 'string');
      const wrong = new OpenAI({ baseURL: `${api.server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
      const error = await expectError(wrong.models.list(), 401, 'invalid_api_key');
      assert.equal(error.headers?.get('www-authenticate'), 'Bearer');
      const none = await fetch(`${api.server.url}/v1/models`);
      assert.equal(none.status, 401);
      assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'missing_api_key');
      for (const open of ['/health', '/health/live', '/health/ready']) assert.equal((await fetch(`${api.server.url}${open}`)).status, 200, open);
      assert.equal((await fetch(`${api.server.url}/metrics`)).status, 200);
      assert.equal((await fetch(`${api.server.url}/v3/models`, { headers: { authorization: 'Bearer sk-first' } })).status, 200);

      // A header with no key is a missing key; a header of another shape an invalid one, whatever it holds.
      const malformed = 'The Authorization header is malformed: it must be "Bearer YOUR_KEY", one key without spaces.';
      for (const [authorization, code] of [
        ['Bearer', 'missing_api_key'],
        ['Bearer sk-first extra', 'invalid_api_key'],
        ['Basic c2stZmlyc3Q6', 'invalid_api_key'],
        ['sk-first', 'invalid_api_key'],
      ] as const) {
        const response = await fetch(`${api.server.url}/v1/models`, { headers: { authorization } });
        assert.equal(response.status, 401, authorization);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer', authorization);
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, code, authorization);
        if (code === 'invalid_api_key') assert.equal(body.error.message, malformed, authorization);
      }
    } finally {
      await api.server.close();
    }
  });

  // 4,096 characters in 160 sentences: seconds of work for the tiny SpeechT5 on any CPU (1.7 s on an idle
  // 2-core EPYC), far longer than the 100 ms limit below and than the moment it takes to be refused.
  const LONG_INPUT = 'Hello there, my friend. '.repeat(160);

  it('503 with Retry-After when the model queue is full', async () => {
    const api = await startApiServer({ queueLength: 0 });
    try {
      const first = api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: LONG_INPUT, response_format: 'wav' });
      const speech = api.server.registry.get('microsoft/speecht5_tts')?.loaded?.engine ?? assert.fail('the speech model is not loaded');
      await waitFor(() => speech.stats().running === 1, 'the long synthesis to start');
      const error = await expectError(api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.' }), 503, 'overloaded');
      assert.equal(error.headers?.get('retry-after'), '1');
      assert.equal((await first).status, 200);
    } finally {
      await api.server.close();
    }
  });

  it('504 when a request outlives its time limit, and the job is cancelled', async () => {
    const api = await startApiServer({ requestTimeoutMs: 100 });
    try {
      const timedOut = await api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: LONG_INPUT, response_format: 'wav' }).then(
        () => assert.fail('the request finished within 100 ms'),
        (error: unknown) => error,
      );
      assert.ok(timedOut instanceof OpenAI.APIError, String(timedOut));
      assert.equal(timedOut.status, 504);
      assert.equal(timedOut.code, 'timeout');
      assert.equal(await metricValue(api.server.url, /^ovspeech_jobs_cancelled_total\{.*reason="timeout"/), 1);
      const speech = api.server.registry.get('microsoft/speecht5_tts')?.loaded?.engine ?? assert.fail('the speech model is not loaded');
      await waitFor(() => speech.stats().running === 0, 'the cancelled synthesis to stop');
    } finally {
      await api.server.close();
    }
  });

  it("503 unavailable with Retry-After for a model the server has unloaded: not the client's doing (499)", async () => {
    const api = await startApiServer();
    try {
      await api.server.registry.get('openai/whisper-tiny')?.loaded?.engine.dispose();
      const error = await expectError(
        api.client.audio.transcriptions.create({ file: await upload('en_1s.wav'), model: 'whisper-1' }),
        503,
        'unavailable',
      );
      assert.equal(error.type, 'server_error');
      assert.equal(error.message, '503 The model is being unloaded or is not loaded; retry');
      assert.equal(error.headers?.get('retry-after'), '1');
      const speech = await api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'wav' });
      assert.equal(speech.status, 200);
    } finally {
      await api.server.close();
    }
  });

  it('a client that disconnects mid-stream cancels its job, and the server keeps serving', async () => {
    const api = await startApiServer();
    try {
      const speech = api.server.registry.get('microsoft/speecht5_tts')?.loaded?.engine;
      const whisper = api.server.registry.get('openai/whisper-tiny')?.loaded?.engine;
      assert.ok(speech && whisper);

      const controller = new AbortController();
      const response = await api.client.audio.speech
        .create(
          { model: 'tts-1', voice: 'alloy', input: 'Hello there, my friend. '.repeat(25), response_format: 'pcm', stream_format: 'audio' },
          { signal: controller.signal },
        )
        .asResponse();
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      assert.ok(((await reader.read()).value?.length ?? 0) > 0);
      assert.equal(speech.stats().running, 1);
      controller.abort();
      await waitFor(() => speech.stats().running === 0, 'the aborted synthesis to stop');

      const transcription = new AbortController();
      const stream = await api.client.audio.transcriptions.create(
        { file: await upload('long.wav', longWav(300)), model: 'whisper-1', stream: true },
        { signal: transcription.signal },
      );
      for await (const event of stream) {
        assert.equal(event.type, 'transcript.text.delta');
        break;
      }
      transcription.abort();
      await waitFor(() => whisper.stats().running === 0, 'the aborted transcription to stop');

      assert.equal(await metricValue(api.server.url, /^ovspeech_jobs_cancelled_total\{model="microsoft\/speecht5_tts",reason="client_closed"\}/), 1);
      assert.equal(await metricValue(api.server.url, /^ovspeech_jobs_cancelled_total\{model="openai\/whisper-tiny",reason="client_closed"\}/), 1);
      const next = await api.client.audio.transcriptions.create({ file: await upload('en_1s.wav'), model: 'whisper-1' });
      assert.equal(typeof next.text, 'string');
    } finally {
      await api.server.close();
    }
  });

  it('a graceful shutdown lets the request in flight finish', async () => {
    const api = await startApiServer();
    const whisper = api.server.registry.get('openai/whisper-tiny')?.loaded?.engine ?? assert.fail('the whisper model is not loaded');
    const inFlight = api.client.audio.transcriptions.create({
      file: await upload('en_29s.flac'),
      model: 'whisper-1',
      response_format: 'verbose_json',
    });
    await waitFor(() => whisper.stats().running === 1, 'the transcription to reach the engine');
    const closed = api.server.close();
    const result = await inFlight;
    assert.ok(result.duration > 28);
    await closed;
    await assert.rejects(fetch(`${api.server.url}/health`));
  });
});
