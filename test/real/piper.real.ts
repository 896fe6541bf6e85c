// The real Piper voice (en_US-joe-medium, 63 MB, not in the repository): parity with onnxruntime on the same
// phoneme ids, the seed, speed through length_scale, and the HTTP surface. `npm run test:real` prepares it
// with the default set into .cache/real-models; OVSPEECH_PIPER_VOICE names another folder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

import OpenAI from 'openai';

import { readWavLayout } from '../../src/audio/wav.js';
import { SpeechEngine } from '../../src/engine/SpeechEngine.js';
import type { RunningServer } from '../../src/http/server.js';
import { completionOf, FakeChatUpstream, sendJson } from '../helpers/fakeChatUpstream.js';
import { tempDir } from '../helpers/irFolder.js';
import { probeAudio } from '../helpers/probe.js';
import { startTestServer, waitForModels } from '../helpers/server.js';
import { maxAbsDifference } from '../helpers/speechReference.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const voiceDir = process.env.OVSPEECH_PIPER_VOICE ?? path.join(root, '.cache', 'real-models', 'rhasspy', 'piper-en_US-joe-medium');
const onnx = path.join(voiceDir, 'en_US-joe-medium.onnx');
assert.ok(existsSync(onnx), `no Piper voice at ${onnx}: npm run test:real prepares it (or set OVSPEECH_PIPER_VOICE)`);

/** The bound for OpenVINO against onnxruntime with the noise scales at 0. */
const PARITY_TOLERANCE = 1e-3;
/** A VITS frame of the joe voice: 256 samples at 22,050 Hz. */
const FRAME_SECONDS = 256 / 22050;
const TEXT = 'The quick brown fox jumps over the lazy dog. Is it raining in Boston, or is it snowing?';

/** onnxruntime's waveform for `text` (tools/piper_reference.py), with the noise scales at 0. */
function reference(text: string, lengthScale = 1): { audio: Float32Array; ids: number[] } {
  const out = path.join(tempDir('piper-reference'), 'audio.f32');
  const printed = execFileSync(
    path.join(root, '.venv', 'bin', 'python'),
    [path.join(root, 'tools', 'piper_reference.py'), onnx, text, out, '--length-scale', String(lengthScale)],
    { encoding: 'utf8' },
  );
  const bytes = readFileSync(out);
  return { audio: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), ids: (JSON.parse(printed) as { ids: number[] }).ids };
}

describe('piper (real voice): engine', () => {
  let engine: SpeechEngine;
  before(async () => {
    // f32: on a CPU with bf16 (AVX-512 BF16, AMX) OpenVINO's default precision is bf16, whose durations
    // round differently from onnxruntime's (measured: 38,656 samples against 39,424, 0.47 apart).
    engine = await SpeechEngine.load(voiceDir, { inferencePrecision: 'f32' });
  });
  after(() => engine.dispose());

  it('is the piper family with its voice, sample rate and options from the .onnx.json', () => {
    assert.equal(engine.family, 'piper');
    assert.equal(engine.sampleRate, 22050);
    assert.equal(engine.voices().default, 'joe');
    assert.deepEqual(
      engine.familyOptions.map((o) => [o.name, o.default]),
      [
        ['noise_scale', 0.667],
        ['length_scale', 1],
        ['noise_w', 0.8],
        ['seed', 0],
      ],
    );
  });

  it('matches onnxruntime on the same phoneme ids with the noise scales at 0', async (t) => {
    for (const text of [TEXT, 'Hello, world!', 'Wait... what? No; never: not today.']) {
      const expected = reference(text);
      const speech = await engine.synthesize(text, { familyOptions: { noise_scale: 0, noise_w: 0 }, normalize: false, splitSentences: false });
      assert.equal(speech.audio.length, expected.audio.length, `${text}: ${speech.audio.length} samples, onnxruntime ${expected.audio.length}`);
      const difference = maxAbsDifference(speech.audio, expected.audio);
      t.diagnostic(`${JSON.stringify(text)}: ${expected.ids.length} ids, ${expected.audio.length} samples, max abs difference ${difference}`);
      assert.ok(difference <= PARITY_TOLERANCE, `${text}: max abs difference ${difference}`);
    }
  });

  it('gives the same audio for the same request and seed, and other audio for another seed', async () => {
    const first = await engine.synthesize(TEXT);
    const again = await engine.synthesize(TEXT);
    assert.deepEqual(again.audio, first.audio);
    const other = await engine.synthesize(TEXT, { familyOptions: { seed: 7 } });
    assert.notDeepEqual(other.audio, first.audio);
    assert.deepEqual((await engine.synthesize(TEXT, { familyOptions: { seed: 7 } })).audio, other.audio);
  });

  it('speaks at speed 0.25, 0.5 and 2 in 4x, 2x and 0.5x the time through length_scale alone, and at 4 in a quarter', async (t) => {
    for (const text of [TEXT, 'Hello, world!', 'Please call Stella and ask her to bring these things with her from the store.']) {
      const normal = (await engine.synthesize(text)).duration;
      for (const speed of [0.25, 0.5, 2]) {
        const duration = (await engine.synthesize(text, { speed })).duration;
        const ratio = duration / normal;
        t.diagnostic(`${JSON.stringify(text)} at speed ${speed}: ${ratio.toFixed(4)}x the duration at speed 1`);
        // Whole frames of 256 samples: each sentence reaches 1/speed of its frames to within one frame.
        const sentences = text.split(/[.?!] /).length;
        assert.ok(Math.abs(duration - normal / speed) <= sentences * FRAME_SECONDS, `${text}, speed ${speed}: ${ratio}x the duration at speed 1`);
      }
      // A phoneme id lasts at least one frame, a floor above a quarter of the frames on this voice: length_scale
      // goes down to it, and the time-stretch does the rest.
      const fastest = (await engine.synthesize(text, { speed: 4 })).duration / normal;
      t.diagnostic(`${JSON.stringify(text)} at speed 4: ${fastest.toFixed(4)}x`);
      assert.ok(Math.abs(fastest * 4 - 1) <= 0.05, `${text}, speed 4: ${fastest}x the duration at speed 1`);
    }
    // length_scale itself is the model's own: each duration is rounded up to whole frames after it.
    const normal = (await engine.synthesize(TEXT)).duration;
    const slow = (await engine.synthesize(TEXT, { familyOptions: { length_scale: 2 } })).duration;
    t.diagnostic(`length_scale 2 alone: ${(slow / normal).toFixed(4)}x the duration`);
    assert.ok(slow / normal > 1.5, `length_scale 2: ${slow} s against ${normal} s`);
  });

  it('refuses text espeak-ng cannot phonemize, naming input', async () => {
    await assert.rejects(engine.synthesize('.... ???'), (error: { code: string; param: string }) => {
      assert.deepEqual([error.code, error.param], ['INVALID_ARGUMENT', 'input']);
      return true;
    });
  });
});

describe('piper (real voice): http', () => {
  let server: RunningServer;
  let client: OpenAI;
  let upstream: FakeChatUpstream;
  before(async () => {
    upstream = await FakeChatUpstream.start();
    const models = tempDir('piper-models');
    mkdirSync(path.join(models, 'rhasspy'));
    symlinkSync(voiceDir, path.join(models, 'rhasspy', 'piper-joe'));
    server = await startTestServer(models, { chatCompletion: { baseUrl: `${upstream.url}/v1`, model: 'upstream-model', apiKey: 'key' } });
    await waitForModels(server);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  it('lists the voice folder as a model and its voice', async () => {
    assert.deepEqual(
      (await client.models.list()).data.map((m) => m.id),
      ['rhasspy/piper-joe'],
    );
    const voices = (await (await fetch(`${server.url}/v1/audio/voices`)).json()) as { data: { id: string }[] };
    assert.ok(voices.data.some((v) => v.id === 'joe'));
  });

  it('speaks every format, whole and streamed, and as SSE', async () => {
    for (const format of ['mp3', 'opus', 'aac', 'flac', 'wav'] as const) {
      const bytes = Buffer.from(
        await (await client.audio.speech.create({ model: 'tts-1', voice: 'joe', input: TEXT, response_format: format })).arrayBuffer(),
      );
      const probed = probeAudio(bytes, format === 'opus' ? 'ogg' : format);
      assert.equal(probed.sampleRate, format === 'opus' ? 48000 : 22050, format);
      assert.ok(probed.duration > 3 && probed.duration < 12, `${format}: ${probed.duration} s`);
    }
    const streamed = await client.audio.speech
      .create({ model: 'tts-1', voice: 'alloy', input: TEXT, response_format: 'pcm', stream_format: 'audio' })
      .asResponse();
    assert.ok(Buffer.from(await streamed.arrayBuffer()).length / 2 / 24000 > 3);
    const sse = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: TEXT, voice: 'joe', response_format: 'wav', stream_format: 'sse', seed: 3, noise_scale: 0.5 }),
    });
    const events = (await sse.text()).split('\n').filter((line) => line.startsWith('data: '));
    assert.ok(events.length >= 3, `${events.length} events`);
    const done = JSON.parse(events.at(-1)!.slice('data: '.length)) as { type: string; usage: { output_tokens: number } };
    assert.equal(done.type, 'speech.audio.done');
    // Output tokens are the model's frames of 256 samples (22,050 Hz): about 86 a second.
    assert.ok(done.usage.output_tokens > 3 * 80, `${done.usage.output_tokens} output tokens`);
  });

  it('speaks an audio chat reply with the voice', async () => {
    upstream.handler = (response) => sendJson(response, 200, completionOf('Hello there. This is the second sentence.'));
    const completion = await client.chat.completions.create({
      model: 'client-model',
      modalities: ['text', 'audio'],
      audio: { voice: 'joe', format: 'wav' },
      messages: [{ role: 'user', content: 'Say two sentences.' }],
    });
    const layout = readWavLayout(Buffer.from(completion.choices[0]!.message.audio!.data, 'base64'));
    // Audio chat answers at OpenAI's 24 kHz, resampled from the voice's 22,050 Hz.
    assert.equal(layout.sampleRate, 24000);
    assert.ok(layout.frames > 2 * 24000, `${layout.frames} frames`);
  });
});
