import type { DecodeLimits, MinimumAudio } from '../audio/decode.js';
import type { ServerConfig } from '../config/config.js';

/** ffmpeg decodes 25 MB in seconds; a decode far slower than that is stuck on a crafted file. */
const MAX_DECODE_MS = 120_000;

/**
 * The limits an uploaded file is decoded under, for transcription over any protocol. `minimum` is the
 * shortest audio the engine that will transcribe it takes (WhisperEngine.minimumAudio).
 */
export function decodeLimits(config: ServerConfig, minimum: MinimumAudio, signal: AbortSignal): DecodeLimits {
  return {
    maxSeconds: config.maxAudioSeconds,
    minimum,
    timeoutMs: Math.min(MAX_DECODE_MS, config.requestTimeoutMs || MAX_DECODE_MS),
    signal,
  };
}
