import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SpeechEngine } from '../../src/engine/SpeechEngine.js';
import { readWavLayout } from '../../src/audio/wav.js';
import { type ApiServer, startApiServer } from '../helpers/apiServer.js';
import { fixtures } from '../helpers/audio.js';
import { probeAudio } from '../helpers/probe.js';

const INPUT = 'Hello there. How are you today? I am fine.';
/** Synthesized one sentence at a time over a few seconds; INPUT's three short sentences take milliseconds. */
const LONG_INPUT = Array.from({ length: 30 }, (_, i) => `This is sentence ${i + 1}.`).join(' ');

/** Codec ffprobe names, and the rate each format comes out at from a 16 kHz model. */
const EXPECTED = {
  mp3: { codec: 'mp3', sampleRate: 16000 },
  opus: { codec: 'opus', sampleRate: 48000 },
  aac: { codec: 'aac', sampleRate: 16000 },
  flac: { codec: 'flac', sampleRate: 16000 },
  wav: { codec: 'pcm_s16le', sampleRate: 16000 },
} as const;

describe('http: speech through the openai client', () => {
  let api: ApiServer;
  let seconds: number;
  before(async () => {
    api = await startApiServer();
    const engine = await SpeechEngine.load(path.join(fixtures, 'models', 'tiny-speecht5'));
    seconds = (await engine.synthesize(INPUT, { voice: 'alloy' })).duration;
    await engine.dispose();
  });
  after(() => api.server.close());

  it('every response_format decodes back to the synthesized length (whole files)', async () => {
    for (const [format, expected] of Object.entries(EXPECTED)) {
      const response = await api.client.audio.speech.create({
        model: 'tts-1',
        voice: 'alloy',
        input: INPUT,
        response_format: format as keyof typeof EXPECTED,
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      const probed = probeAudio(bytes, format === 'opus' ? 'ogg' : format);
      assert.equal(probed.codec, expected.codec, format);
      assert.equal(probed.sampleRate, expected.sampleRate, format);
      assert.equal(probed.channels, 1, format);
      // Lossy encoders pad by a frame or two.
      assert.ok(Math.abs(probed.duration - seconds) < 0.15, `${format}: ${probed.duration} s, synthesized ${seconds} s`);
    }
  });

  it("wav has its true sizes; pcm is OpenAI's headerless 24 kHz s16le, or another rate on request", async () => {
    const wav = Buffer.from(
      await (await api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: INPUT, response_format: 'wav' })).arrayBuffer(),
    );
    const layout = readWavLayout(wav);
    assert.equal(wav.readUInt32LE(4), wav.length - 8);
    assert.equal(layout.frames, Math.round(seconds * 16000));

    const pcmResponse = await api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: INPUT, response_format: 'pcm' }).asResponse();
    assert.equal(pcmResponse.headers.get('content-type'), 'audio/pcm');
    assert.equal(pcmResponse.headers.get('x-sample-rate'), '24000');
    const pcm = Buffer.from(await pcmResponse.arrayBuffer());
    assert.ok(Math.abs(pcm.length / 2 / 24000 - seconds) < 0.01);
    const probed = probeAudio(pcm, 'pcm', ['-f', 's16le', '-ar', '24000', '-ac', '1']);
    assert.equal(probed.codec, 'pcm_s16le');

    const at48k = await fetch(`${api.server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: INPUT, voice: 'alloy', response_format: 'wav', sample_rate: 48000 }),
    });
    assert.equal(probeAudio(Buffer.from(await at48k.arrayBuffer()), 'wav').sampleRate, 48000);
  });

  it('stream_format audio: chunked bytes with a streamed WAV header, read with the streaming response', async () => {
    const stream = async (input: string) => {
      const started = performance.now();
      const response = await api.client.audio.speech
        .create({ model: 'tts-1', voice: 'alloy', input, response_format: 'wav', stream_format: 'audio' })
        .asResponse();
      assert.equal(response.headers.get('transfer-encoding'), 'chunked');
      const chunks: Buffer[] = [];
      let firstMs = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (chunks.length === 0) firstMs = performance.now() - started;
        chunks.push(Buffer.from(chunk));
      }
      return { wav: Buffer.concat(chunks), firstMs, totalMs: performance.now() - started };
    };
    // The first sentence arrives while the other 29 are still being synthesized. A ratio, so that load
    // slows both sides alike; a server that buffered the whole file would give about 1.
    const long = await stream(LONG_INPUT);
    assert.ok(long.firstMs < 0.5 * long.totalMs, `first bytes after ${long.firstMs.toFixed(0)} of ${long.totalMs.toFixed(0)} ms`);
    const { wav } = await stream(INPUT);
    assert.equal(wav.readUInt32LE(40), 0xffffffff, 'data size marked unknown');
    assert.ok(Math.abs(probeAudio(wav, 'wav').duration - seconds) < 0.01);

    for (const format of ['mp3', 'opus'] as const) {
      const streamed = await api.client.audio.speech.create({
        model: 'tts-1',
        voice: 'alloy',
        input: INPUT,
        response_format: format,
        stream_format: 'audio',
      });
      const probed = probeAudio(Buffer.from(await streamed.arrayBuffer()), format === 'opus' ? 'ogg' : format);
      assert.equal(probed.codec, EXPECTED[format].codec);
    }
  });

  it("h2oGPT's stream: true streams audio bytes too", async () => {
    const response = await fetch(`${api.server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', input: INPUT, voice: 'alloy', response_format: 'wav', stream: true }),
    });
    const wav = Buffer.from(await response.arrayBuffer());
    assert.equal(wav.readUInt32LE(40), 0xffffffff);
  });

  it("h2oGPT's stream_strip false: a standalone WAV per sentence, each read by ffprobe; speaker and chatbot_role select a voice the model has", async () => {
    const sentences = ['One sentence here.', 'Another one follows.', 'Then a third.', 'A fourth comes next.', 'And the fifth ends it.'];
    // As h2oGPT's documented httpx client sends it: booleans as text, voice empty, the voice in speaker.
    const response = await fetch(`${api.server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: '', speaker: 'echo', input: sentences.join(' '), stream: 'true', stream_strip: 'false' }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get('content-type'), 'audio/wav');
    const body = Buffer.from(await response.arrayBuffer());
    // Each file's RIFF size says where the next begins: the sizes are true, not a stream's unknown ones.
    const files: Buffer[] = [];
    for (let at = 0; at < body.length;) {
      assert.equal(body.toString('latin1', at, at + 4), 'RIFF', `a file starts at byte ${at}`);
      const length = body.readUInt32LE(at + 4) + 8;
      files.push(body.subarray(at, at + length));
      at += length;
    }
    assert.equal(files.length, sentences.length);
    for (const file of files) {
      assert.equal(file.readUInt32LE(40), file.length - 44);
      const probed = probeAudio(file, 'wav');
      assert.equal(probed.codec, 'pcm_s16le');
      assert.ok(probed.duration > 0, `${probed.duration} s`);
    }
    // The same speech as the echo voice's whole file, sentence by sentence.
    const whole = await api.client.audio.speech.create({ model: 'tts-1', voice: 'echo', input: sentences.join(' '), response_format: 'wav' });
    const wholeData = Buffer.from(await whole.arrayBuffer()).subarray(44);
    assert.deepEqual(Buffer.concat(files.map((file) => file.subarray(44))), wholeData);

    // h2oGPT's own voice names select nothing here: the model's default voice speaks.
    const defaulted = await fetch(`${api.server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', voice: '', speaker: 'SLT (female)', chatbot_role: 'tenor', input: 'Hello.', response_format: 'wav' }),
    });
    const byRole = await api.client.audio.speech.create({ model: 'tts-1', voice: 'tenor', input: 'Hello.', response_format: 'wav' });
    assert.deepEqual(Buffer.from(await defaulted.arrayBuffer()), Buffer.from(await byRole.arrayBuffer()));

    for (const [body, param] of [
      [{ voice: 'alloy', stream: true, stream_strip: false, response_format: 'mp3' }, 'stream_strip'],
      [{ voice: 'alloy', stream: 'yes' }, 'stream'],
    ] as const) {
      const refused = await fetch(`${api.server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', input: 'Hello.', ...body }),
      });
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(((await refused.json()) as { error: { param: string } }).error.param, param);
    }
  });

  it('stream_format sse: speech.audio.delta events with base64 audio, then speech.audio.done with usage', async () => {
    const response = await api.client.audio.speech
      .create({ model: 'tts-1', voice: 'alloy', input: INPUT, response_format: 'pcm', stream_format: 'sse' })
      .asResponse();
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter((block) => block.startsWith('data: '))
      .map((block) => JSON.parse(block.slice(6)) as { type: string; audio?: string; usage?: Record<string, number> });
    const deltas = events.filter((e) => e.type === 'speech.audio.delta');
    assert.ok(deltas.length > 1);
    assert.equal(events.at(-1)?.type, 'speech.audio.done');
    const usage = events.at(-1)?.usage ?? {};
    assert.equal(usage.input_tokens, INPUT.length);
    assert.equal(usage.total_tokens, (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0));
    const pcm = Buffer.concat(deltas.map((e) => Buffer.from(e.audio ?? '', 'base64')));
    assert.ok(Math.abs(pcm.length / 2 / 24000 - seconds) < 0.01);
  });

  it('voice as a name or {id}, speed, instructions accepted; the same under /v3', async () => {
    const byName = Buffer.from(
      await (await api.client.audio.speech.create({ model: 'tts-1', voice: 'tenor', input: INPUT, response_format: 'wav' })).arrayBuffer(),
    );
    const byId = await fetch(`${api.server.url}/v3/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'microsoft/speecht5_tts',
        voice: { id: 'tenor' },
        input: INPUT,
        response_format: 'wav',
        instructions: 'Speak calmly.',
      }),
    });
    assert.equal(byId.status, 200);
    assert.deepEqual(Buffer.from(await byId.arrayBuffer()), byName);
    const fast = Buffer.from(
      await (await api.client.audio.speech.create({ model: 'tts-1', voice: 'tenor', input: INPUT, response_format: 'wav', speed: 2 })).arrayBuffer(),
    );
    const ratio = readWavLayout(fast).frames / readWavLayout(byName).frames;
    assert.ok(Math.abs(ratio - 0.5) < 0.05, `speed 2 gave ${ratio} of the length`);
  });

  it("takes the model family's options from the body by their names, 400 naming one out of range", async () => {
    const speak = (fields: Record<string, unknown>) =>
      fetch(`${api.server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tts-1', voice: 'tenor', input: 'Hello there.', response_format: 'wav', ...fields }),
      });
    const whole = await speak({});
    const capped = await speak({ maxlenratio: 0.05 });
    assert.equal(capped.status, 200);
    // One decoder step, fewer than the unit takes to reach its stop threshold: shorter audio.
    const frames = async (response: Response) => readWavLayout(Buffer.from(await response.arrayBuffer())).frames;
    assert.ok((await frames(capped)) < (await frames(whole)));
    const refused = await speak({ maxlenratio: 500 });
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), {
      error: {
        message: 'Expected number between 0.01 and 100 for maxlenratio but received 500 of type number',
        type: 'invalid_request_error',
        param: 'maxlenratio',
        code: 'invalid_argument',
      },
    });
  });

  it('lists the voices of each speech model', async () => {
    const response = await fetch(`${api.server.url}/v1/audio/voices`);
    const body = (await response.json()) as { object: string; data: { id: string; model: string; default: boolean }[] };
    assert.equal(body.object, 'list');
    const ids = body.data.map((v) => v.id);
    for (const voice of ['alto', 'tenor', 'default', 'alloy', 'nova']) assert.ok(ids.includes(voice), voice);
    assert.ok(body.data.every((v) => v.model === 'microsoft/speecht5_tts'));
    assert.deepEqual(
      body.data.filter((v) => v.default).map((v) => v.id),
      ['default'],
    );
  });
});
