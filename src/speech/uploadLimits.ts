import type { DecodeLimits, MinimumAudio } from '../audio/decode.js';
import type { ServerConfig } from '../config/config.js';

/** ffmpeg decodes 25 MB in seconds; a decode far slower than that is stuck on a crafted file. */
const MAX_DECODE_MS = 120_000;

/**
 * Whisper's log-mel features need more than n_fft / 2 samples at the feature extractor's rate
 * (native/whisper/feature_extractor.cpp; n_fft 400 at 16 kHz in every Whisper preprocessor_config.json).
 */
const WHISPER_MINIMUM_AUDIO: MinimumAudio = { samples: 201, sampleRate: 16000 };

/** The limits an uploaded file is decoded under, for transcription over any protocol. */
export function decodeLimits(config: ServerConfig, signal: AbortSignal): DecodeLimits {
  return {
    maxSeconds: config.maxAudioSeconds,
    minimum: WHISPER_MINIMUM_AUDIO,
    timeoutMs: Math.min(MAX_DECODE_MS, config.requestTimeoutMs || MAX_DECODE_MS),
    signal,
  };
}
