import type { PcmAudio } from '../engine/WhisperEngine.js';
import { invalidParameter } from '../errors.js';
import { CONTAINER_LABELS, detectContainer, type UploadHint } from './container.js';
import { AudioDecodeError, checkDuration, decodeCancelled } from './errors.js';
import { decodeWithFfmpeg, type DecodeLimits, type MinimumAudio } from './ffmpeg.js';
import { readWavLayout, wavSamples } from './wav.js';

export { AudioDecodeError, MissingFfmpegError } from './errors.js';
export { ffmpegAvailable } from './ffmpegProcess.js';
export type { DecodeLimits, MinimumAudio } from './ffmpeg.js';

export interface DecodeHint extends UploadHint {
  /** Rate of a raw `audio/pcm` upload (s16le mono); 16000 when absent. */
  pcmSampleRate?: number | undefined;
}

const DEFAULT_PCM_SAMPLE_RATE = 16000;

function decodePcm16(bytes: Buffer, sampleRate: number, maxSeconds: number): PcmAudio {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw invalidParameter('positive integer', 'sample_rate', sampleRate);
  if (bytes.length % 2 !== 0) throw new AudioDecodeError('The raw PCM upload ends inside a sample: s16le needs an even number of bytes');
  checkDuration(bytes.length / 2, sampleRate, maxSeconds);
  const layout = { sampleFormat: 's16', bytesPerSample: 2, sampleRate, channels: 1, dataOffset: 0, frames: bytes.length / 2 } as const;
  return { samples: wavSamples(bytes, layout), sampleRate, channels: 1 };
}

function decodeWav(bytes: Buffer, maxSeconds: number): PcmAudio {
  const layout = readWavLayout(bytes);
  checkDuration(layout.frames, layout.sampleRate, maxSeconds);
  return { samples: wavSamples(bytes, layout), sampleRate: layout.sampleRate, channels: layout.channels };
}

/** Frames of audio at `fromRate` once resampled to `toRate`, rounded as the native resampler rounds. */
function framesAt(frames: number, fromRate: number, toRate: number): number {
  return Math.floor((2 * frames * toRate + fromRate) / (2 * fromRate));
}

/**
 * Decoded samples the engines can use: some, all finite, and enough for the model's features. A NaN or
 * an infinity is corrupt audio (a float WAV or an MP4 with float PCM can carry them); so is less than the
 * model's shortest input, which no container stops.
 */
function checkDecoded(audio: PcmAudio, label: string, minimum: MinimumAudio | undefined): void {
  const { samples, sampleRate, channels } = audio;
  if (samples.length === 0) throw new AudioDecodeError(`The ${label} upload has no audio samples`);
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    if (!Number.isFinite(sample)) {
      const value = Number.isNaN(sample) ? 'NaN' : sample > 0 ? 'Infinity' : '-Infinity';
      throw new AudioDecodeError(
        `Sample ${i} (frame ${Math.floor(i / channels)}, channel ${i % channels}) of the ${label} upload is ${value}; audio samples must be finite`,
      );
    }
  }
  const frames = samples.length / channels;
  if (minimum !== undefined && framesAt(frames, sampleRate, minimum.sampleRate) < minimum.samples) {
    const milliseconds = ((1000 * minimum.samples) / minimum.sampleRate).toFixed(1);
    throw new AudioDecodeError(
      `The ${label} upload is too short: it has ${frames} samples at ${sampleRate} Hz, and the model needs at least ${minimum.samples} samples at ${minimum.sampleRate} Hz (${milliseconds} ms)`,
    );
  }
}

/**
 * An upload as interleaved float PCM at its own rate and channel count. WAV and raw PCM are read here;
 * every other accepted container goes through ffmpeg. Fails with AudioDecodeError for what is not audio
 * we can read (empty, non-finite or shorter than `limits.minimum` included), MissingFfmpegError when
 * ffmpeg would be needed and is absent, INVALID_ARGUMENT beyond the limits and CANCELLED on `signal`.
 */
export async function decodeAudio(bytes: Buffer, hint: DecodeHint, limits: DecodeLimits): Promise<PcmAudio> {
  if (limits.signal?.aborted) throw decodeCancelled(limits.signal);
  const container = detectContainer(bytes, hint);
  let audio: PcmAudio;
  if (container === 'wav') audio = decodeWav(bytes, limits.maxSeconds);
  else if (container === 'pcm') audio = decodePcm16(bytes, hint.pcmSampleRate ?? DEFAULT_PCM_SAMPLE_RATE, limits.maxSeconds);
  else audio = await decodeWithFfmpeg(bytes, container, limits);
  checkDecoded(audio, CONTAINER_LABELS[container], limits.minimum);
  return audio;
}
