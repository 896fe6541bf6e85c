import { OvSpeechError } from '../errors.js';

/**
 * An upload that is not audio we can decode: corrupt, truncated, not audio at all, or in a format we do
 * not accept. The code stays INVALID_ARGUMENT; `undecodable` lets the HTTP layer answer 422 instead of 400.
 */
export class AudioDecodeError extends OvSpeechError {
  readonly undecodable = true;
  /** What ffmpeg said, for the log; never for the client (it names internal addresses and versions). */
  readonly detail: string | undefined;

  constructor(message: string, options?: ErrorOptions & { detail?: string }) {
    super(message, 'INVALID_ARGUMENT', { ...options, param: 'file' });
    this.name = 'AudioDecodeError';
    this.detail = options?.detail;
  }
}

/** A format that needs ffmpeg on a server without it: the client can send or ask for WAV or PCM instead. */
export class MissingFfmpegError extends OvSpeechError {
  /** The program the server lacks, for the HTTP layer's message. */
  readonly missing = 'ffmpeg';

  constructor(message: string, param: string, options?: ErrorOptions) {
    super(message, 'INVALID_ARGUMENT', { ...options, param });
    this.name = 'MissingFfmpegError';
  }
}

/** OpenAI's upload formats, plus raw AAC, as the client knows them. */
export const ACCEPTED_UPLOAD_FORMATS = 'flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm or aac';

export function unrecognizedFormat(options?: ErrorOptions & { detail?: string }): AudioDecodeError {
  return new AudioDecodeError(`The file is not in a recognized audio format; send ${ACCEPTED_UPLOAD_FORMATS}`, options);
}

export function audioTooLong(maxSeconds: number): OvSpeechError {
  return new OvSpeechError(`The audio is longer than the limit of ${maxSeconds} seconds`, 'INVALID_ARGUMENT', { param: 'file' });
}

/** Fails when `frames` at `sampleRate` last longer than `maxSeconds`. */
export function checkDuration(frames: number, sampleRate: number, maxSeconds: number): void {
  if (frames > maxSeconds * sampleRate) throw audioTooLong(maxSeconds);
}

export function decodeCancelled(signal: AbortSignal): OvSpeechError {
  return new OvSpeechError('The request was cancelled while its audio was being decoded', 'CANCELLED', { cause: signal.reason });
}
