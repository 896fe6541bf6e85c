import { Router } from '@koa/router';
import type { Context } from 'koa';

import { decodeAudio, type DecodeLimits, type MinimumAudio } from '../../audio/decode.js';
import type { ServerConfig } from '../../config/config.js';
import type { TranscribeOptions } from '../../engine/WhisperEngine.js';
import { invalidParameter, OvSpeechError } from '../../errors.js';
import type { AppState } from '../state.js';
import { FirstOutput } from '../firstOutput.js';
import type { HttpMetrics } from '../metrics.js';
import type { ModelResolver } from '../modelResolver.js';
import { routeLabel } from '../middleware/httpMetrics.js';
import { readMultipartForm } from '../multipart.js';
import { FormFields } from '../params/formFields.js';
import { requestSignal } from '../requestSignal.js';
import { durationUsage, formatTranscription, RESPONSE_FORMATS, type ResponseFormat } from '../schemas/transcriptionFormats.js';
import { EventStream } from '../sse.js';

type Task = 'transcribe' | 'translate';

interface TranscriptionRequest {
  model: string | undefined;
  format: ResponseFormat;
  stream: boolean;
  logprobs: boolean;
  pcmSampleRate: number | undefined;
  options: TranscribeOptions;
}

/** ffmpeg decodes 25 MB in seconds; a decode far slower than that is stuck on a crafted file. */
const MAX_DECODE_MS = 120_000;

const GRANULARITIES = ['segment', 'word'] as const;

/**
 * Whisper's log-mel features need more than n_fft / 2 samples at the feature extractor's rate
 * (native/whisper/feature_extractor.cpp; n_fft 400 at 16 kHz in every Whisper preprocessor_config.json).
 */
const WHISPER_MINIMUM_AUDIO: MinimumAudio = { samples: 201, sampleRate: 16000 };

/** The limits an uploaded file is decoded under. */
export function decodeLimits(config: ServerConfig, signal: AbortSignal): DecodeLimits {
  return {
    maxSeconds: config.maxAudioSeconds,
    minimum: WHISPER_MINIMUM_AUDIO,
    timeoutMs: Math.min(MAX_DECODE_MS, config.requestTimeoutMs || MAX_DECODE_MS),
    signal,
  };
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
function readRequest(form: FormFields, task: Task): TranscriptionRequest {
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

export interface TranscriptionRouteOptions {
  resolver: ModelResolver;
  config: ServerConfig;
  metrics: HttpMetrics;
}

/** POST /audio/transcriptions and /audio/translations (multipart), under the API prefix. */
export function transcriptionRoutes({ resolver, config, metrics }: TranscriptionRouteOptions): Router<AppState> {
  const router = new Router<AppState>();

  const handle = async (ctx: Context & { state: AppState }, task: Task) => {
    const upload = await readMultipartForm(ctx, { maxFileBytes: config.maxUploadBytes });
    if (upload.file) metrics.uploadBytes.observe({ route: routeLabel(ctx) }, upload.file.bytes.length);
    const request = readRequest(new FormFields(upload.fields), task);
    if (upload.file === undefined) throw new OvSpeechError('The audio file is missing: send it in the field "file"', 'INVALID_ARGUMENT', { param: 'file' });
    const { id, engine } = resolver.resolve('transcription', request.model);

    const work = requestSignal(ctx, config.requestTimeoutMs, (reason) => metrics.cancelled.inc({ model: id, reason }));
    let streaming = false;
    try {
      const audio = await decodeAudio(
        upload.file.bytes,
        { filename: upload.file.filename, contentType: upload.file.contentType, pcmSampleRate: request.pcmSampleRate },
        decodeLimits(config, work.signal),
      );
      const options: TranscribeOptions = { ...request.options, signal: work.signal };
      if (request.stream) {
        const events = new EventStream();
        const first = new FirstOutput();
        options.onText = (delta, logprobs) => {
          events.send({ type: 'transcript.text.delta', delta, ...(request.logprobs ? { logprobs: logprobs ?? [] } : {}) });
          first.arrive();
        };
        const running = engine.transcribe(audio, options);
        await first.wait(running);
        events.respond(ctx);
        streaming = true;
        void running
          .then((result) => {
            events.send({
              type: 'transcript.text.done',
              text: result.text,
              ...(request.logprobs ? { logprobs: result.logprobs ?? [] } : {}),
              usage: durationUsage(result),
            });
            events.end();
            metrics.recordTranscription(id, result);
          })
          .catch((error: unknown) => {
            ctx.state.log.warn({ err: error }, 'transcription stream failed');
            events.fail(work.explain(error));
          })
          .finally(work.dispose);
        return;
      }
      const result = await engine.transcribe(audio, options);
      const { type, body } = formatTranscription(request.format, result, {
        task,
        logprobs: request.logprobs,
        segments: options.timestampGranularities?.includes('segment') ?? false,
        words: options.timestampGranularities?.includes('word') ?? false,
      });
      ctx.type = type;
      ctx.body = body;
      metrics.recordTranscription(id, result);
    } catch (error) {
      throw work.explain(error);
    } finally {
      if (!streaming) work.dispose();
    }
  };

  router.post('/audio/transcriptions', (ctx) => handle(ctx, 'transcribe'));
  router.post('/audio/translations', (ctx) => handle(ctx, 'translate'));
  return router;
}
