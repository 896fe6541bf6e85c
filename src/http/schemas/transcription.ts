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
  options: TranscribeOptions;
}

/** OpenAI's chunking_strategy: "auto" is how ovspeech always cuts long audio (30 s windows). */
function checkChunkingStrategy(form: FormFields): void {
  const value = form.text('chunking_strategy') ?? form.object('chunking_strategy')?.type;
  if (value !== undefined && value !== 'auto') {
    throw new OvSpeechError(
      `chunking_strategy "${value}" is not supported; ovspeech cuts long audio into 30 s windows itself ("auto")`,
      'INVALID_ARGUMENT',
      { param: 'chunking_strategy' },
    );
  }
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
    checkChunkingStrategy(form);
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
    options,
  };
}
