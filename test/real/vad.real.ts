// Silero VAD of the default set (snakers4/silero-vad, as `npm run test:setup` prepares it) on generated
// audio: espeak-ng speech, silences and white noise of known lengths.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { type OvSpeechError } from '../../src/errors.js';
import { VadEngine } from '../../src/engine/VadEngine.js';
import { concat, GENERATED_RATE as RATE, silence, spoken, whiteNoise } from '../helpers/generatedAudio.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const vadDir = path.join(root, '.cache', 'real-models', 'snakers4', 'silero-vad');
/** The acceptance bound: each boundary within 100 ms of where the speech is. */
const TOLERANCE_S = 0.1;

/** Where sound is in `samples`: the first and last 10 ms within 40 dB of the loudest 10 ms (espeak-ng's own leading and trailing quiet left out). */
function soundBounds(samples: Float32Array): { start: number; end: number } {
  const window = RATE / 100;
  const levels: number[] = [];
  for (let at = 0; at + window <= samples.length; at += window) {
    let energy = 0;
    for (let i = at; i < at + window; i++) energy += samples[i]! * samples[i]!;
    levels.push(Math.sqrt(energy / window));
  }
  const floor = Math.max(...levels) / 100;
  const first = levels.findIndex((level) => level > floor);
  let last = levels.length - 1;
  while (levels[last]! <= floor) last--;
  return { start: (first * window) / RATE, end: ((last + 1) * window) / RATE };
}

describe('real models: voice activity detection', () => {
  let vad: VadEngine;
  before(async () => {
    vad = await VadEngine.load(vadDir);
  });
  after(() => vad?.dispose());

  it('finds two sentences between silences and white noise, each boundary within 100 ms', async (t) => {
    const first = spoken('The quick brown fox jumps over the lazy dog');
    const second = spoken('Voice activity detection finds where people speak');
    const { samples, starts } = concat([silence(1), first, silence(2), whiteNoise(1.5, 0.05), silence(1), second, silence(1)]);
    const truth = [first, second].map((clip, i) => {
      const bounds = soundBounds(clip);
      const offset = starts[i === 0 ? 1 : 5]!;
      return { start: offset + bounds.start, end: offset + bounds.end };
    });
    // Unpadded: the detector's own boundaries (the padding is tested below).
    const { spans, duration } = await vad.detectSpeech(samples, RATE, 1, { speechPadMs: 0 });
    assert.equal(duration, samples.length / RATE);
    // A sentence may come in several spans (espeak-ng pauses between some words for longer than the
    // 100 ms that end speech): each span lies within one sentence, and the first and last of a sentence
    // start and end with it. Nothing is found in the silences and the noise.
    const shown = JSON.stringify({ spans, truth });
    t.diagnostic(shown);
    for (const sentence of truth) {
      const within = spans.filter((span) => span.start >= sentence.start - TOLERANCE_S && span.end <= sentence.end + TOLERANCE_S);
      assert.ok(within.length > 0, shown);
      assert.ok(Math.abs(within[0]!.start - sentence.start) <= TOLERANCE_S, shown);
      assert.ok(Math.abs(within.at(-1)!.end - sentence.end) <= TOLERANCE_S, shown);
    }
    const inSentences = spans.filter((span) => truth.some((t) => span.start >= t.start - TOLERANCE_S && span.end <= t.end + TOLERANCE_S));
    assert.equal(inSentences.length, spans.length, shown);
  });

  it('finds the same speech at 44.1 kHz in stereo, in the input time', async () => {
    const { samples } = concat([silence(0.5), spoken('Hello there'), silence(0.5)]);
    const at16k = (await vad.detectSpeech(samples, RATE, 1)).spans;
    const file = execFileSync(
      'ffmpeg',
      ['-v', 'error', '-f', 'f32le', '-ar', String(RATE), '-ac', '1', '-i', '-', '-ar', '44100', '-ac', '2', '-f', 'f32le', '-'],
      {
        input: Buffer.from(samples.buffer),
        maxBuffer: 1 << 26,
      },
    );
    const stereo = new Float32Array(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
    const { spans } = await vad.detectSpeech(stereo, 44100, 2);
    assert.equal(spans.length, at16k.length);
    for (const [i, span] of spans.entries()) {
      assert.ok(Math.abs(span.start - at16k[i]!.start) <= 0.05 && Math.abs(span.end - at16k[i]!.end) <= 0.05, JSON.stringify({ spans, at16k }));
    }
  });

  it('finds no speech in silence or in white noise', async () => {
    assert.deepEqual((await vad.detectSpeech(silence(5), RATE, 1)).spans, []);
    for (const rms of [0.01, 0.1, 0.3]) assert.deepEqual((await vad.detectSpeech(whiteNoise(5, rms), RATE, 1)).spans, [], `noise at RMS ${rms}`);
  });

  it('takes its options: a higher minimum speech duration drops the sentence, a wider padding widens it', async () => {
    const { samples } = concat([silence(1), spoken('Hello there'), silence(1)]);
    const [plain] = (await vad.detectSpeech(samples, RATE, 1)).spans;
    assert.ok(plain);
    assert.deepEqual((await vad.detectSpeech(samples, RATE, 1, { minSpeechMs: 5000 })).spans, []);
    const [padded] = (await vad.detectSpeech(samples, RATE, 1, { speechPadMs: 230 })).spans;
    assert.ok(
      Math.abs(plain.start - padded!.start - 0.2) < 1e-9 && Math.abs(padded!.end - plain.end - 0.2) < 1e-9,
      JSON.stringify({ plain, padded }),
    );
  });

  it('refuses options out of range, naming the option', async () => {
    await assert.rejects(vad.detectSpeech(silence(1), RATE, 1, { threshold: 1.5 }), (error: OvSpeechError) => {
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.equal(error.param, 'threshold');
      return true;
    });
    await assert.rejects(vad.detectSpeech(silence(1), RATE, 1, { threshold: 0.3, negThreshold: 0.5 }), /neg_threshold must be from 0 to threshold/);
  });
});
