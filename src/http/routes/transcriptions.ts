import { Router } from '@koa/router';
import type { Context } from 'koa';

import { decodeAudio } from '../../audio/decode.js';
import type { ServerConfig } from '../../config/config.js';
import type { ModelResolver, ResolvedModel } from '../../engine/ModelResolver.js';
import { resolveVad } from '../../engine/ModelResolver.js';
import { transcribeIntervals, transcribeSpeech } from '../../engine/vadTranscription.js';
import type { VadOptions } from '../../engine/VadEngine.js';
import type { PcmAudio, TranscribeOptions } from '../../engine/WhisperEngine.js';
import { OvSpeechError } from '../../errors.js';
import { decodeLimits } from '../../speech/uploadLimits.js';
import { FirstOutput } from '../firstOutput.js';
import type { HttpMetrics } from '../metrics.js';
import { routeLabel } from '../middleware/httpMetrics.js';
import { readMultipartForm } from '../multipart.js';
import { FormFields } from '../params/formFields.js';
import { requestSignal } from '../requestSignal.js';
import { readTranscriptionRequest, resolveChunking, type TranscriptionTask } from '../schemas/transcription.js';
import { durationUsage, formatTranscription } from '../schemas/transcriptionFormats.js';
import { EventStream } from '../sse.js';
import type { AppState } from '../state.js';

export interface TranscriptionRouteOptions {
  resolver: ModelResolver;
  config: ServerConfig;
  metrics: HttpMetrics;
}

/** POST /audio/transcriptions and /audio/translations (multipart), under the API prefix. */
export function transcriptionRoutes({ resolver, config, metrics }: TranscriptionRouteOptions): Router<AppState> {
  const router = new Router<AppState>();

  const handle = async (ctx: Context & { state: AppState }, task: TranscriptionTask) => {
    const upload = await readMultipartForm(ctx, { maxFileBytes: config.maxUploadBytes });
    if (upload.file) metrics.uploadBytes.observe({ route: routeLabel(ctx) }, upload.file.bytes.length);
    const request = readTranscriptionRequest(new FormFields(upload.fields), task);
    if (upload.file === undefined)
      throw new OvSpeechError('The audio file is missing: send it in the field "file"', 'INVALID_ARGUMENT', { param: 'file' });
    const chunking = resolveChunking(request.chunking, config.chunkingStrategy);
    const model = await resolver.acquire('transcription', request.model);
    const { id, engine } = model;
    let vad: { lease: ResolvedModel<'vad'>; options: VadOptions } | undefined;
    try {
      if (typeof chunking === 'object' && 'vad' in chunking) vad = { lease: await resolveVad(resolver), options: chunking.vad };
    } catch (error) {
      model.release();
      throw error;
    }
    const work = requestSignal(ctx, config.requestTimeoutMs, (reason) => metrics.cancelled.inc({ model: id, reason }));
    work.hold(model);
    if (vad !== undefined) work.hold(vad.lease);
    const transcribe = (audio: PcmAudio, options: TranscribeOptions) => {
      if (vad !== undefined) return transcribeSpeech(engine, vad.lease.engine, audio, options, vad.options);
      if (typeof chunking === 'object' && 'intervalSeconds' in chunking) return transcribeIntervals(engine, audio, options, chunking.intervalSeconds);
      return engine.transcribe(audio, options);
    };
    let streaming = false;
    try {
      const audio = await decodeAudio(
        upload.file.bytes,
        { filename: upload.file.filename, contentType: upload.file.contentType, pcmSampleRate: request.pcmSampleRate },
        decodeLimits(config, engine.minimumAudio, work.signal),
      );
      const options: TranscribeOptions = { ...request.options, signal: work.signal };
      if (request.stream) {
        const events = new EventStream();
        const first = new FirstOutput();
        options.onText = (delta, logprobs) => {
          events.send({ type: 'transcript.text.delta', delta, ...(request.logprobs ? { logprobs: logprobs ?? [] } : {}) });
          first.arrive();
        };
        const running = transcribe(audio, options);
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
      const result = await transcribe(audio, options);
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
