import type { PcmAudio } from '../engine/WhisperEngine.js';
import { invalidParameter } from '../errors.js';
import { detectContainer, type UploadHint } from './container.js';
import { AudioDecodeError, checkDuration, decodeCancelled } from './errors.js';
import { decodeWithFfmpeg, type DecodeLimits } from './ffmpeg.js';
import { readWavLayout, wavSamples } from './wav.js';

export { AudioDecodeError, MissingFfmpegError } from './errors.js';
export { ffmpegAvailable } from './ffmpegProcess.js';
export type { DecodeLimits } from './ffmpeg.js';

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

/**
 * An upload as interleaved float PCM at its own rate and channel count. WAV and raw PCM are read here;
 * every other accepted container goes through ffmpeg. Fails with AudioDecodeError for what is not audio
 * we can read, MissingFfmpegError when ffmpeg would be needed and is absent, INVALID_ARGUMENT beyond the
 * limits and CANCELLED on `signal`.
 */
export async function decodeAudio(bytes: Buffer, hint: DecodeHint, limits: DecodeLimits): Promise<PcmAudio> {
  if (limits.signal?.aborted) throw decodeCancelled(limits.signal);
  const container = detectContainer(bytes, hint);
  if (container === 'wav') return decodeWav(bytes, limits.maxSeconds);
  if (container === 'pcm') return decodePcm16(bytes, hint.pcmSampleRate ?? DEFAULT_PCM_SAMPLE_RATE, limits.maxSeconds);
  return decodeWithFfmpeg(bytes, container, limits);
}
