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

/** 16-bit PCM at 24 kHz (a realtime session's pcm16) of 16 kHz samples: linear interpolation, heard the same. */
export function pcm16At24k(samples: Float32Array): Buffer {
  const out = Buffer.alloc(Math.floor((samples.length * 3) / 2) * 2);
  for (let i = 0; i < out.length / 2; i++) {
    const at = (i * 2) / 3;
    const left = Math.floor(at);
    const x = samples[left]! + (at - left) * ((samples[left + 1] ?? 0) - samples[left]!);
    out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, x)) * 32767), i * 2);
  }
  return out;
}

/**
 * Instrumental music with no voice: an arpeggio of plucked notes (harmonics, fast attack, decay) over a
 * sustained chord, changing chord every 2 s, at an RMS of about `rms`.
 */
export function music(seconds: number, rms = 0.1): Float32Array {
  const samples = new Float32Array(Math.round(seconds * GENERATED_RATE));
  // C, A minor, F and G major, as MIDI notes of their chords.
  const chords = [
    [60, 64, 67],
    [57, 60, 64],
    [53, 57, 60],
    [55, 59, 62],
  ];
  const hz = (note: number) => 440 * 2 ** ((note - 69) / 12);
  const NOTE_SECONDS = 0.25;
  for (let i = 0; i < samples.length; i++) {
    const t = i / GENERATED_RATE;
    const chord = chords[Math.floor(t / 2) % chords.length]!;
    let x = 0;
    for (const note of chord) x += 0.15 * Math.sin(2 * Math.PI * hz(note - 12) * t);
    const step = Math.floor(t / NOTE_SECONDS);
    const since = t - step * NOTE_SECONDS;
    const pluck = hz(chord[step % chord.length]! + 12 * (step % 2));
    const envelope = Math.min(1, since / 0.005) * Math.exp(-since * 8);
    for (const [harmonic, amplitude] of [
      [1, 1],
      [2, 0.5],
      [3, 0.3],
      [4, 0.2],
    ] as const) {
      x += envelope * amplitude * Math.sin(2 * Math.PI * pluck * harmonic * t);
    }
    samples[i] = x;
  }
  const actual = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
  return samples.map((x) => (x * rms) / actual);
}
