// Audio made for a test, at 16 kHz mono: espeak-ng speech, silence and white noise of known lengths.
import { execFileSync } from 'node:child_process';

export const GENERATED_RATE = 16000;

/** espeak-ng (Debian) speaking `text`, resampled by ffmpeg. */
export function spoken(text: string): Float32Array {
  const wav = execFileSync('espeak-ng', ['-v', 'en-us', '--stdout', text], { maxBuffer: 1 << 26 });
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', '-', '-ar', String(GENERATED_RATE), '-ac', '1', '-f', 'f32le', '-'], {
    input: wav,
    maxBuffer: 1 << 26,
  });
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

export const silence = (seconds: number) => new Float32Array(Math.round(seconds * GENERATED_RATE));

/** Uniform white noise at an RMS of `rms`, the same for the same seed. */
export function whiteNoise(seconds: number, rms: number, seed = 12345): Float32Array {
  const samples = new Float32Array(Math.round(seconds * GENERATED_RATE));
  let state = seed;
  const amplitude = rms * Math.sqrt(3);
  for (let i = 0; i < samples.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    samples[i] = (state / 2 ** 32) * 2 * amplitude - amplitude;
  }
  return samples;
}

/** The pieces one after the other, and where each begins, in seconds. */
export function concat(pieces: Float32Array[]): { samples: Float32Array; starts: number[] } {
  const samples = new Float32Array(pieces.reduce((n, piece) => n + piece.length, 0));
  const starts: number[] = [];
  let at = 0;
  for (const piece of pieces) {
    starts.push(at / GENERATED_RATE);
    samples.set(piece, at);
    at += piece.length;
  }
  return { samples, starts };
}
