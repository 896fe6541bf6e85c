import type { SpeechFormat } from '../audio/encode.js';

/**
 * Whose API a request speaks, chosen by its URL prefix. The two agree on every field; where their
 * behaviour differs, a client written for one must get that one's, unchanged.
 */
export interface ApiDialect {
  name: 'openai' | 'ovms';
  /** The speech `response_format` when the request names none. */
  defaultSpeechFormat: SpeechFormat;
  /** A speech `voice` the model lacks: refused (OpenAI), or the model's default voice (OVMS). */
  unknownVoice: 'refuse' | 'default';
}

/** OpenAI's API as OpenAI answers it. */
export const OPENAI_DIALECT: ApiDialect = { name: 'openai', defaultSpeechFormat: 'mp3', unknownVoice: 'refuse' };

/**
 * OpenVINO Model Server's: it answers speech as WAV unless asked otherwise, and ignores `voice` for
 * SpeechT5, so its demo sends `voice="unused"`.
 */
export const OVMS_DIALECT: ApiDialect = { name: 'ovms', defaultSpeechFormat: 'wav', unknownVoice: 'default' };

/** Every API path is served under both prefixes, each with its dialect. */
export const API_PREFIXES: readonly { prefix: string; dialect: ApiDialect }[] = [
  { prefix: '/v1', dialect: OPENAI_DIALECT },
  { prefix: '/v3', dialect: OVMS_DIALECT },
];
