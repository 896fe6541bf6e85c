import type { ChunkingStrategy } from '../../config/config.js';
import type { VadOptions } from '../../engine/VadEngine.js';
import type { TranscribeOptions } from '../../engine/WhisperEngine.js';
import { invalidParameter, OvSpeechError } from '../../errors.js';
import type { FormFields } from '../params/formFields.js';
import { RESPONSE_FORMATS, type ResponseFormat } from './transcriptionFormats.js';

const GRANULARITIES = ['segment', 'word'] as const;

export type TranscriptionTask = 'transcribe' | 'translate';

export interface TranscriptionRequest {
  model: string | undefined;
  format: ResponseFormat;
  stream: boolean;
  logprobs: boolean;
  pcmSampleRate: number | undefined;
  chunking: Chunking;
  options: TranscribeOptions;
}

/**
 * Where a transcription is cut: at the speech a voice activity detector finds (with its options), in
 * pieces of a fixed length (h2oGPT's `chunk` in milliseconds), in Whisper's 30 s windows ("none"), or as
 * the server's --chunking-strategy says (undefined).
 */
export type Chunking = { vad: VadOptions } | { intervalSeconds: number } | 'none' | undefined;

/** OpenAI's chunking_strategy "auto": faster-whisper's settings for transcription (pauses of 2 s, 400 ms of padding). */
export const AUTO_CHUNKING: VadOptions = { minSilenceMs: 2000, speechPadMs: 400 };

/** OpenAI's defaults for a server_vad object's fields. */
const SERVER_VAD_DEFAULTS = { threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200 };

function serverVadField(fields: Record<string, string>, name: keyof typeof SERVER_VAD_DEFAULTS, max: number, integer: boolean): number {
  const text = fields[name];
  if (text === undefined || text === '') return SERVER_VAD_DEFAULTS[name];
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
    throw invalidParameter(`${integer ? 'integer' : 'number'} between 0 and ${max}`, `chunking_strategy.${name}`, text);
  }
  return value;
}

/**
 * OpenAI's chunking_strategy: "auto", or {type: "server_vad", threshold, prefix_padding_ms,
 * silence_duration_ms} as form fields (chunking_strategy[type]=...) or as JSON text; "none" asks for
 * Whisper's 30 s windows whatever the server's default.
 */
function readChunking(form: FormFields): Chunking {
  const text = form.text('chunking_strategy');
  let fields = form.object('chunking_strategy');
  if (text !== undefined && text.trimStart().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      fields = Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
    } catch {
      throw invalidParameter('"auto", "none" or a server_vad object', 'chunking_strategy', text);
    }
  }
  if (fields === undefined) {
    if (text === undefined) return undefined;
    if (text === 'auto') return { vad: AUTO_CHUNKING };
    if (text === 'none') return 'none';
    throw invalidParameter('"auto", "none" or a server_vad object', 'chunking_strategy', text);
  }
  if (fields.type === 'auto') return { vad: AUTO_CHUNKING };
  if (fields.type !== 'server_vad') throw invalidParameter('"server_vad" or "auto"', 'chunking_strategy.type', fields.type);
  // OpenAI pads before speech; the detector pads both sides by as much.
  return {
    vad: {
      threshold: serverVadField(fields, 'threshold', 1, false),
      speechPadMs: serverVadField(fields, 'prefix_padding_ms', 10_000, true),
      minSilenceMs: serverVadField(fields, 'silence_duration_ms', 10_000, true),
    },
  };
}

/** A request's chunking, the server's default where the request has none. */
export function resolveChunking(chunking: Chunking, serverDefault: ChunkingStrategy): Exclude<Chunking, undefined> {
  return chunking ?? (serverDefault === 'auto' ? { vad: AUTO_CHUNKING } : 'none');
}

/**
 * h2oGPT's `chunk`: "silence" cuts at speech, "interval" in Whisper's 30 s windows, a number of
 * milliseconds in pieces that long; "none" as one.
 */
function readH2oChunk(form: FormFields): Chunking {
  const chunk = form.text('chunk');
  if (chunk === undefined) return undefined;
  if (chunk === 'silence') return { vad: AUTO_CHUNKING };
  if (chunk === 'interval' || chunk === 'none') return 'none';
  const ms = form.integer('chunk', 1000, 3_600_000);
  return { intervalSeconds: ms! / 1000 };
}

function readTranscriptionChunking(form: FormFields): Chunking {
  const openai = readChunking(form);
  const h2o = readH2oChunk(form);
  if (openai !== undefined && h2o !== undefined) {
    throw new OvSpeechError("Give chunking_strategy or h2oGPT's chunk, not both", 'INVALID_ARGUMENT', { param: 'chunk' });
  }
  return openai ?? h2o;
}

/** The form of /audio/transcriptions or /audio/translations, checked as OpenAI checks it. */
export function readTranscriptionRequest(form: FormFields, task: TranscriptionTask): TranscriptionRequest {
  const format = form.oneOf('response_format', RESPONSE_FORMATS) ?? 'json';
  const options: TranscribeOptions = { task };
  const prompt = form.string('prompt');
  if (prompt !== undefined && prompt !== '') options.prompt = prompt;
  const temperature = form.number('temperature', 0, 1);
  if (temperature !== undefined) options.temperature = temperature;
  let stream = false;
  let logprobs = false;
  if (task === 'transcribe') {
    const language = form.text('language');
    if (language !== undefined) options.language = language;
    const granularities = form.list('timestamp_granularities', GRANULARITIES);
    if (granularities !== undefined && format !== 'verbose_json') {
      throw invalidParameter('response_format verbose_json', 'timestamp_granularities', granularities.join(','));
    }
    stream = form.boolean('stream') ?? false;
    logprobs = (form.list('include', ['logprobs'] as const) ?? []).includes('logprobs');
    if (stream && format !== 'json' && format !== 'text') {
      throw new OvSpeechError(`Streaming sends transcript events; response_format must be json or text, not ${format}`, 'INVALID_ARGUMENT', {
        param: 'stream',
      });
    }
    if (logprobs && format !== 'json') {
      throw new OvSpeechError('include[]=logprobs works only with response_format json', 'INVALID_ARGUMENT', { param: 'include' });
    }
    options.timestampGranularities = granularities ?? ['segment'];
    if (logprobs) options.logprobs = true;
  } else {
    options.timestampGranularities = ['segment'];
  }
  // Segment timings are needed for subtitles and verbose_json only: without them Whisper decodes faster.
  if (format !== 'verbose_json' && format !== 'srt' && format !== 'vtt') options.timestampGranularities = [];
  return {
    model: form.text('model'),
    format,
    stream,
    logprobs,
    pcmSampleRate: form.integer('sample_rate', 1000, 384_000),
    chunking: task === 'transcribe' ? readTranscriptionChunking(form) : undefined,
    options,
  };
}
