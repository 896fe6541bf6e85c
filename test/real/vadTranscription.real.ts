// Transcription cut at speech (chunking_strategy "auto" and server_vad) with the default set's real
// whisper-base and Silero VAD, on generated audio: no text is invented in silence or noise, and times stay
// in the input's time.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import OpenAI, { toFile } from 'openai';

import type { RunningServer } from '../../src/http/server.js';
import { concat, GENERATED_RATE as RATE, music, silence, spoken, whiteNoise } from '../helpers/generatedAudio.js';
import { tempDir } from '../helpers/irFolder.js';
import { startTestServer, waitForModels } from '../helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const realModels = path.join(root, '.cache', 'real-models');

/** 16-bit WAV of mono samples at RATE. */
function wav(samples: Float32Array): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((x, i) => data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, x)) * 32767), i * 2));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z ]+/g, ' ')
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '');

describe('real models: transcription cut at speech', () => {
  let server: RunningServer;
  let client: OpenAI;
  before(async () => {
    const models = tempDir('vad-transcription');
    for (const id of ['openai/whisper-base', 'snakers4/silero-vad']) {
      mkdirSync(path.join(models, path.dirname(id)), { recursive: true });
      symlinkSync(path.join(realModels, id), path.join(models, id));
    }
    server = await startTestServer(models);
    await waitForModels(server);
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => server?.close());

  const transcribe = async (samples: Float32Array, extra: Record<string, unknown>) =>
    client.audio.transcriptions.create({
      file: await toFile(wav(samples), 'clip.wav'),
      model: 'openai/whisper-base',
      language: 'en',
      ...extra,
    } as OpenAI.Audio.TranscriptionCreateParamsNonStreaming<'verbose_json'>);

  it('gives empty text for silence, white noise and music', async () => {
    for (const [name, samples] of [
      ['silence', silence(12)],
      ['white noise', whiteNoise(12, 0.05, 2024)],
      ['noise between silences', concat([silence(3), whiteNoise(4, 0.2, 2024), silence(3)]).samples],
      ['music', music(16)],
      ['loud music between silences', concat([silence(2), music(8, 0.3), silence(2)]).samples],
    ] as const) {
      const { text } = await transcribe(samples, { chunking_strategy: 'auto' });
      assert.equal(text, '', `${name}: ${JSON.stringify(text)}`);
    }
  });

  it('transcribes speech around a 10 s pause with nothing in the pause, and word times in the input time', async () => {
    const first = spoken('The quick brown fox jumps over the lazy dog.');
    const second = spoken('Seven green apples are on the table.');
    const secondStarts = (RATE * 2 + first.length + RATE * 10) / RATE;
    const samples = concat([silence(2), first, silence(10), second, silence(2)]).samples;
    const result = await transcribe(samples, {
      chunking_strategy: { type: 'server_vad', silence_duration_ms: 500, prefix_padding_ms: 200 },
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    });
    // whisper-base mishears some of espeak-ng's words ("brown fox jumps" comes back as "round fox jump is"),
    // differently with other context: the words it hears in every run, and no more words than were said.
    const heard = words(result.text);
    for (const word of ['fox', 'over', 'lazy', 'dog', 'seven', 'table']) assert.ok(heard.includes(word), `"${word}" in ${result.text}`);
    assert.ok(heard.length <= 18, `${heard.length} words for the 16 said: ${result.text}`);
    assert.equal(result.duration, samples.length / RATE);
    const pause = { start: (RATE * 2 + first.length) / RATE, end: secondStarts };
    for (const word of result.words ?? []) {
      const inPause = word.start > pause.start + 0.3 && word.end < pause.end - 0.3;
      assert.ok(!inPause, `"${word.word}" at ${word.start}-${word.end} s is in the pause ${JSON.stringify(pause)}`);
    }
    const seven = (result.words ?? []).find((word) => word.word.toLowerCase().includes('seven'));
    assert.ok(seven, JSON.stringify(result.words));
    assert.ok(Math.abs(seven.start - secondStarts) < 0.5, `"seven" at ${seven.start} s; the sentence starts at ${secondStarts} s`);
    const lastSegment = result.segments!.at(-1)!;
    assert.ok(lastSegment.start >= pause.end - 0.5 && lastSegment.end <= samples.length / RATE, JSON.stringify(lastSegment));
  });

  it('gives the same text as without chunking for one sentence', async () => {
    const samples = concat([silence(1), spoken('Voice activity detection finds where people speak.'), silence(1)]).samples;
    const plain = await transcribe(samples, {});
    const cut = await transcribe(samples, { chunking_strategy: 'auto' });
    assert.deepEqual(words(cut.text), words(plain.text));
  });

  it("takes h2oGPT's chunk: silence streams the speech only, a number of milliseconds cuts pieces that long", async () => {
    const first = spoken('The quick brown fox jumps over the lazy dog.');
    const samples = concat([silence(1), first, silence(8), spoken('Seven green apples are on the table.'), silence(1)]).samples;
    const post = async (fields: Record<string, string>) => {
      const form = new FormData();
      form.append('file', new Blob([wav(samples)], { type: 'audio/wav' }), 'clip.wav');
      form.append('model', 'openai/whisper-base');
      form.append('language', 'en');
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      const response = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
      assert.equal(response.status, 200, await response.clone().text());
      return response;
    };
    // As h2oGPT's clients send it: stream as text, chunk=silence; the events come chunk by chunk.
    const events = (await (await post({ stream: 'true', chunk: 'silence' })).text())
      .split('\n\n')
      .filter((block) => block.startsWith('data: '))
      .map((block) => JSON.parse(block.slice(6)) as { type: string; delta?: string; text?: string });
    const deltas = events.filter((event) => event.type === 'transcript.text.delta');
    assert.equal(deltas.length, 1, JSON.stringify(events));
    const done = events.at(-1)!;
    assert.equal(done.type, 'transcript.text.done');
    for (const word of ['fox', 'dog', 'seven', 'table']) assert.ok(words(done.text!).includes(word), done.text);

    // 4 s pieces: the segments of the later pieces are in the input's time.
    const verbose = (await (await post({ chunk: '4000', response_format: 'verbose_json' })).json()) as {
      duration: number;
      segments: { start: number; end: number; text: string }[];
    };
    assert.equal(verbose.duration, samples.length / RATE);
    const late = verbose.segments.filter((segment) => /seven|apple|table/i.test(segment.text));
    assert.ok(late.length > 0 && late.every((segment) => segment.start >= 8), JSON.stringify(verbose.segments));
  });

  it('refuses a chunking strategy it does not know, naming the field', async () => {
    for (const [value, param] of [
      ['sometimes', 'chunking_strategy'],
      [{ type: 'fixed' }, 'chunking_strategy.type'],
      [{ type: 'server_vad', threshold: 2 }, 'chunking_strategy.threshold'],
    ] as const) {
      await assert.rejects(transcribe(silence(1), { chunking_strategy: value }), (error: InstanceType<typeof OpenAI.APIError>) => {
        assert.equal(error.status, 400);
        assert.equal((error.error as { param?: string }).param, param);
        return true;
      });
    }
  });
});
