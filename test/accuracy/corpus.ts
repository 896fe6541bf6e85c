import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { encodeWav } from '../../src/audio/wavWriter.js';

export const accuracyDir = path.dirname(fileURLToPath(import.meta.url));
export const packageRoot = path.resolve(accuracyDir, '..', '..');

/** The commit results are made at, for the reports of the accuracy suite and the benchmark. */
export function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: packageRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The rate every clip is written at: Whisper's. */
export const CLIP_RATE = 16_000;

/** espeak-ng voices, a variant after "+"; sentence i is spoken by VOICES[i % 6] at SPEEDS[floor(i / 6) % 4]. */
export const VOICES = ['en-us', 'en-gb', 'en-us+f3', 'en-gb-x-rp+m3', 'en-us+f2', 'en-029'] as const;
/** Words a minute. */
export const SPEEDS = [140, 155, 170, 190] as const;

/** Signal-to-noise ratio of the noisy clips, in dB: the power of the whole clean clip against the noise's. */
export const NOISE_SNR_DB = 10;

export type Condition = 'clean' | 'noisy';

export interface Sentence {
  /** "s001" … in file order. */
  id: string;
  text: string;
  voice: string;
  wordsPerMinute: number;
}

export interface Clip {
  /** Sentence id and condition: "s001-clean". */
  id: string;
  sentence: Sentence;
  condition: Condition;
  /** A 16 kHz mono 16-bit WAV file in the cache folder. */
  path: string;
}

/** The suite's sentences (test/accuracy/sentences.txt, one a line), each with its voice and speed. */
export function readSentences(): Sentence[] {
  const lines = readFileSync(path.join(accuracyDir, 'sentences.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.map((text, i) => ({
    id: `s${String(i + 1).padStart(3, '0')}`,
    text,
    voice: VOICES[i % VOICES.length]!,
    wordsPerMinute: SPEEDS[Math.floor(i / VOICES.length) % SPEEDS.length]!,
  }));
}

export function espeakVersion(): string {
  return execFileSync('espeak-ng', ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * The clips of these sentences, clean and noisy, synthesized into `cacheDir` unless already there. A
 * file's name carries a hash of everything that made it (espeak-ng's version, sox's arguments, voice,
 * speed, text, SNR),
 * so a change makes a new file rather than reusing a stale one.
 */
export function prepareClips(sentences: readonly Sentence[], cacheDir: string, conditions: readonly Condition[] = ['clean', 'noisy']): Clip[] {
  mkdirSync(cacheDir, { recursive: true });
  const version = espeakVersion();
  const clips: Clip[] = [];
  for (const sentence of sentences) {
    const hash = createHash('sha256')
      .update(JSON.stringify([version, SOX_ARGS, sentence.voice, sentence.wordsPerMinute, sentence.text, NOISE_SNR_DB]))
      .digest('hex')
      .slice(0, 12);
    const file = (condition: Condition) => path.join(cacheDir, `${sentence.id}-${condition}-${hash}.wav`);
    let clean: Float32Array | undefined;
    for (const condition of conditions) {
      const target = file(condition);
      if (!existsSync(target)) {
        clean ??= speak(sentence);
        const samples = condition === 'clean' ? clean : withWhiteNoise(clean, NOISE_SNR_DB, seedOf(sentence.id));
        writeAtomically(target, encodeWav(samples, CLIP_RATE));
      }
      clips.push({ id: `${sentence.id}-${condition}`, sentence, condition, path: target });
    }
  }
  return clips;
}

/**
 * sox's resampling of espeak-ng's 22,050 Hz speech to 16 kHz 16-bit raw samples: no dither (sox's
 * dither is random on each run), and a guard that lowers the gain instead of clipping.
 */
const SOX_ARGS = ['-V1', '-D', '-G', '-t', 'wav', '-', '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-c', '1', '-r', String(CLIP_RATE), '-'];

function speak(sentence: Sentence): Float32Array {
  const wav22k = execFileSync('espeak-ng', ['-v', sentence.voice, '-s', String(sentence.wordsPerMinute), '--stdout', sentence.text], {
    maxBuffer: 1 << 26,
  });
  const raw = execFileSync('sox', SOX_ARGS, { input: wav22k, maxBuffer: 1 << 26 });
  const pcm = new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return Float32Array.from(pcm, (x) => x / 32768);
}

function writeAtomically(file: string, bytes: Buffer): void {
  const partial = `${file}.partial`;
  writeFileSync(partial, bytes);
  renameSync(partial, file);
}

/** A seed per sentence, so that one clip's noise does not depend on which other clips were made. */
function seedOf(id: string): number {
  return createHash('sha256').update(id).digest().readUInt32LE(0);
}

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
function uniformRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The clip plus Gaussian white noise whose power is the clip's mean power (over all its samples)
 * divided by 10^(snrDb / 10). (Writing 16-bit PCM clips the rare sample beyond [-1, 1].)
 */
export function withWhiteNoise(samples: Float32Array, snrDb: number, seed: number): Float32Array {
  let power = 0;
  for (const x of samples) power += x * x;
  power /= samples.length;
  const sigma = Math.sqrt(power / 10 ** (snrDb / 10));
  const uniform = uniformRandom(seed);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i += 2) {
    // Box-Muller: two independent standard normal numbers from two uniform ones.
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    out[i] = samples[i]! + sigma * radius * Math.cos(angle);
    if (i + 1 < samples.length) out[i + 1] = samples[i + 1]! + sigma * radius * Math.sin(angle);
  }
  return out;
}
