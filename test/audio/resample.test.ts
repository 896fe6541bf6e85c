import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Resampler } from '../../src/audio/resample.js';

function tone(frequency: number, amplitude: number, sampleRate: number, seconds: number): Float32Array {
  return Float32Array.from({ length: Math.round(sampleRate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
}

/** Frequency from the rising zero crossings (interpolated) and amplitude from the RMS of `samples`. */
function measure(samples: Float32Array, sampleRate: number): { frequency: number; amplitude: number } {
  const crossings: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a < 0 && b >= 0) crossings.push(i - 1 + a / (a - b));
  }
  const periods = crossings.length - 1;
  const frequency = (periods * sampleRate) / (crossings[periods]! - crossings[0]!);
  const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
  return { frequency, amplitude: rms * Math.SQRT2 };
}

function resample(input: Float32Array, from: number, to: number, chunks: number[] = [input.length]): Float32Array {
  const resampler = new Resampler(from, to);
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const size of chunks) {
    parts.push(resampler.push(input.subarray(offset, offset + size)));
    offset += size;
  }
  parts.push(resampler.flush());
  const output = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    output.set(part, at);
    at += part.length;
  }
  return output;
}

describe('Resampler', () => {
  it('16 → 24 kHz keeps a 1 kHz tone’s frequency and amplitude', () => {
    const output = resample(tone(1000, 0.5, 16000, 1), 16000, 24000);
    assert.equal(output.length, 24000);
    const { frequency, amplitude } = measure(output.subarray(2400, 21600), 24000); // away from the edges
    assert.ok(Math.abs(frequency - 1000) <= 10, `${frequency} Hz`);
    assert.ok(Math.abs(amplitude - 0.5) <= 0.025, `amplitude ${amplitude}`);
    // And it lands on the analytic tone at the new rate, sample for sample, to within -60 dB.
    const ideal = tone(1000, 0.5, 24000, 1);
    const worst = output.subarray(2400, 21600).reduce((max, x, i) => Math.max(max, Math.abs(x - ideal[i + 2400]!)), 0);
    assert.ok(worst < 0.0005, `largest error ${worst}`);
  });

  it('gives the same output whatever the chunks', () => {
    const input = tone(440, 0.8, 16000, 0.5);
    const whole = resample(input, 16000, 24000);
    const chunked = resample(input, 16000, 24000, [1, 1000, 17, 3000, 3982]);
    assert.deepEqual(chunked, whole);
    assert.deepEqual(resample(input, 16000, 24000, [0, 8000, 0]), whole);
  });

  it('downsamples without aliasing: a tone above the new Nyquist frequency disappears', () => {
    const kept = resample(tone(3000, 0.5, 48000, 0.5), 48000, 16000);
    const removed = resample(tone(10000, 0.5, 48000, 0.5), 48000, 16000);
    assert.equal(kept.length, 8000);
    assert.ok(Math.abs(measure(kept.subarray(800, 7200), 16000).amplitude - 0.5) < 0.01);
    const residue = measure(removed.subarray(800, 7200), 16000).amplitude;
    assert.ok(residue < 0.001, `10 kHz at 16 kHz leaves ${residue}`);
  });

  it('upsampling adds no images: 16 → 24 kHz of a 7 kHz tone has nothing at 9 kHz', () => {
    const output = resample(tone(7000, 0.5, 16000, 0.5), 16000, 24000).subarray(1200, 10800);
    const at = (frequency: number) => {
      let re = 0;
      let im = 0;
      for (let i = 0; i < output.length; i++) {
        re += output[i]! * Math.cos((2 * Math.PI * frequency * i) / 24000);
        im += output[i]! * Math.sin((2 * Math.PI * frequency * i) / 24000);
      }
      return (2 * Math.hypot(re, im)) / output.length;
    };
    assert.ok(at(7000) > 0.3, `7 kHz at ${at(7000)}`);
    assert.ok(at(9000) < 0.01, `image at 9 kHz: ${at(9000)}`);
  });

  it('has unit gain at DC and output ceil(n·up/down) long for any ratio', () => {
    for (const [from, to] of [
      [16000, 24000],
      [16000, 22050],
      [44100, 16000],
      [16000, 8000],
    ] as const) {
      const output = resample(new Float32Array(1001).fill(0.25), from, to);
      assert.equal(output.length, Math.ceil((1001 * to) / from));
      const middle = output[Math.floor(output.length / 2)]!;
      assert.ok(Math.abs(middle - 0.25) < 1e-6, `${from} → ${to}: ${middle}`);
    }
  });
});
