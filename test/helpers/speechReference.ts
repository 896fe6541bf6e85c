import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { SpeakOptions } from '../../src/engine/SpeechEngine.js';
import { fixtures } from './audio.js';

export interface SpeechCase {
  id: string;
  text: string;
  voice: string | null;
  /** SpeechT5's family options. */
  config: Record<string, number>;
  samples: number;
  sample_rate: number;
  file: string;
}

export const speechReference = JSON.parse(readFileSync(path.join(fixtures, 'reference', 'speecht5.json'), 'utf8')) as { cases: SpeechCase[] };

export function referenceAudio(item: SpeechCase): Float32Array {
  const bytes = readFileSync(path.join(fixtures, 'reference', item.file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** GenAI's behaviour: the text as one unit, no normalizer, GenAI's default voice when none is named. */
export function parityOptions(item: SpeechCase): SpeakOptions {
  return { normalize: false, splitSentences: false, ...(item.voice ? { voice: item.voice } : {}), familyOptions: item.config };
}

/**
 * How far a sample may be from GenAI's reference. The same IRs run the same float operations, but oneDNN
 * picks its kernels by instruction set, and AVX2 and AVX-512 kernels round differently in the last bits.
 * Measured against references made with AVX-512: 1.2e-7 to 2.6e-7 on an AVX2-only AMD EPYC, 1.6e-7 to
 * 3.4e-7 here under ONEDNN_MAX_CPU_ISA=AVX2 (the decoder feeds its output back, so differences grow
 * with length). 2e-6 leaves six times that, and stays five orders of magnitude below the waveforms' peaks (about
 * 0.2): a wrong voice, a wrong frame or a missed stop step is far outside it.
 */
export const AUDIO_TOLERANCE = 2e-6;

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/**
 * Asserts that `audio` is the reference case's waveform within AUDIO_TOLERANCE, and returns the largest
 * difference. The length must be exact: it is the step at which decoding stopped, a discrete decision that
 * a last-bit difference changes only if a stop probability falls within that difference of the threshold.
 */
export function assertMatchesReferenceAudio(audio: Float32Array, item: SpeechCase): number {
  assert.equal(audio.length, item.samples, `${item.id}: samples`);
  const difference = maxAbsDifference(audio, referenceAudio(item));
  assert.ok(difference <= AUDIO_TOLERANCE, `${item.id}: max abs difference ${difference} > ${AUDIO_TOLERANCE}`);
  return difference;
}
