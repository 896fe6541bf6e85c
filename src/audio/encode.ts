import { invalidParameter } from '../errors.js';
import { MissingFfmpegError } from './errors.js';
import { createFfmpegEncoder } from './ffmpegEncoder.js';
import { ffmpegAvailable } from './ffmpegProcess.js';
import { createPcmEncoder } from './pcmEncoder.js';
import type { SpeechEncoder } from './speechEncoder.js';
import { wavHeader } from './wavWriter.js';

export { MissingFfmpegError } from './errors.js';
export { ffmpegAvailable } from './ffmpegProcess.js';
export type { SpeechEncoder } from './speechEncoder.js';
export { encodeWav } from './wavWriter.js';

/** OpenAI's response_format values for /v1/audio/speech. */
export const SPEECH_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];

export const SPEECH_CONTENT_TYPES: Record<SpeechFormat, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

/**
 * OpenAI's `pcm` is headerless 24 kHz s16le mono, so a client cannot learn any other rate: pcm speech is
 * made at it unless the caller asks otherwise. The other formats name their rate and keep the model's.
 */
export const OPENAI_PCM_SAMPLE_RATE = 24000;

/** Output rates offered; all are common, which keeps the native resampler's phase tables small. */
export const OUTPUT_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;

export interface SpeechEncoderOptions {
  /** Rate of the samples written, which is the rate they are encoded at: speech is made at it. */
  sampleRate: number;
}

/** The rate `format` is made at unless asked otherwise, for a model of `modelRate`: see OPENAI_PCM_SAMPLE_RATE. */
export function defaultOutputSampleRate(format: SpeechFormat, modelRate: number): number {
  return format === 'pcm' ? OPENAI_PCM_SAMPLE_RATE : modelRate;
}

/**
 * The format a whole file (not a stream) of `format` is encoded in: a WAV as raw PCM, so that wholeFile()
 * can give it a header with its true sizes, which a streamed WAV cannot have.
 */
export function wholeFileEncoding(format: SpeechFormat): SpeechFormat {
  return format === 'wav' ? 'pcm' : format;
}

/** The file of `format` from all the bytes encoded in wholeFileEncoding(format) at `sampleRate`. */
export function wholeFile(format: SpeechFormat, encoded: Buffer, sampleRate: number): Buffer {
  return format === 'wav' ? Buffer.concat([wavHeader(sampleRate, encoded.length), encoded]) : encoded;
}

/** Whether the format is encoded by ffmpeg (wav and pcm are written here). */
export function speechFormatNeedsFfmpeg(format: SpeechFormat): boolean {
  return format !== 'wav' && format !== 'pcm';
}

function missingFfmpeg(format: SpeechFormat, cause?: Error): MissingFfmpegError {
  const options = cause === undefined ? undefined : { cause };
  return new MissingFfmpegError(
    `Encoding ${format} speech needs ffmpeg, which is not installed on the server; ask for wav or pcm`,
    'response_format',
    options,
  );
}

/** Fails with MissingFfmpegError, before any audio is made, when the format needs ffmpeg and it is absent. */
export async function checkSpeechFormatAvailable(format: SpeechFormat): Promise<void> {
  if (speechFormatNeedsFfmpeg(format) && !(await ffmpegAvailable())) throw missingFfmpeg(format);
}

/**
 * A streaming encoder of mono float speech into `format`. The HTTP layer pipes `output` to the response
 * (which gives backpressure from the client to ffmpeg), writes each synthesized chunk, ends after the last,
 * and aborts when the client goes away.
 */
export function createSpeechEncoder(format: SpeechFormat, options: SpeechEncoderOptions): SpeechEncoder {
  if (!(SPEECH_FORMATS as readonly string[]).includes(format))
    throw invalidParameter(`one of ${SPEECH_FORMATS.join(', ')}`, 'response_format', format);
  const { sampleRate } = options;
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw invalidParameter('positive integer', 'sampleRate', sampleRate);
  const contentType = SPEECH_CONTENT_TYPES[format];
  if (format === 'wav' || format === 'pcm') return createPcmEncoder(format, contentType, sampleRate);
  return createFfmpegEncoder(format, contentType, sampleRate, (cause) => missingFfmpeg(format, cause));
}
