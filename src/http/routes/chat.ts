import { Router } from '@koa/router';
import type { Context } from 'koa';

import { checkSpeechFormatAvailable, MissingFfmpegError } from '../../audio/encode.js';
import type { ServerConfig } from '../../config/config.js';
import type { ModelResolver } from '../../engine/ModelResolver.js';
import { OvSpeechError } from '../../errors.js';
import { decodeLimits } from '../../speech/uploadLimits.js';
import type { AppState } from '../state.js';
import { AudioTranscripts } from '../chat/audioTranscripts.js';
import { readChatRequest, replaceInputAudio, restoreAssistantAudio, type ChatRequest, type ReplyAudioRequest } from '../chat/chatRequest.js';
import { relayChatStream, type SpokenStream } from '../chat/chatStream.js';
import { transcribeInputAudio } from '../chat/inputAudio.js';
import { ReplySpeaker, speakWhole, type ReplySpeakerOptions } from '../../speech/replySpeaker.js';
import { responseText, sseData } from '../chat/sseEvents.js';
import { ChatUpstream, readCompletion } from '../chat/upstream.js';
import { ApiError } from '../errors.js';
import type { HttpMetrics } from '../metrics.js';
import { readJsonObject } from '../params/jsonBody.js';
import { requestSignal, type RequestSignal } from '../requestSignal.js';
import { EventStream } from '../sse.js';

export interface ChatRouteOptions {
  resolver: ModelResolver;
  config: ServerConfig;
  metrics: HttpMetrics;
}

/** The speaker settings of a reply, but for the signal it runs under. */
type ReplyVoice = Omit<ReplySpeakerOptions, 'onAudio' | 'signal'>;

/**
 * 501 rather than 503: without an upstream this server lacks the feature until it is reconfigured, and
 * no retry helps, which is what 503 would promise.
 */
function notConfigured(): ApiError {
  return new ApiError(
    501,
    'Audio chat needs an upstream OpenAI-compatible chat completion server: start ovspeech with CHAT_COMPLETION_BASE_URL (or --chat-completion-base-url) set to its base URL',
    'server_error',
    'chat_completion_not_configured',
  );
}

interface CompletionMessage {
  content?: unknown;
  audio?: unknown;
}

/** Choice 0's text spoken into `message.audio`; `content` becomes null, as OpenAI answers. */
async function addReplyAudio(
  completion: Record<string, unknown>,
  speaker: Omit<ReplySpeakerOptions, 'onAudio'>,
  transcripts: AudioTranscripts,
): Promise<void> {
  const choices = Array.isArray(completion.choices) ? (completion.choices as { message?: CompletionMessage }[]) : [];
  const message = choices[0]?.message;
  if (message === undefined || typeof message.content !== 'string' || message.content.trim() === '') return;
  const data = await speakWhole(message.content, speaker);
  const audio = transcripts.issue();
  transcripts.remember(audio, message.content);
  message.audio = { id: audio.id, expires_at: audio.expiresAt, data: data.toString('base64'), transcript: message.content };
  message.content = null;
}

/** POST /chat/completions under the API prefix: audio in and out around an upstream text chat model. */
export function chatRoutes({ resolver, config, metrics }: ChatRouteOptions): Router<AppState> {
  const router = new Router<AppState>();
  const { baseUrl, apiKey, model: upstreamModel } = config.chatCompletion;
  const upstream = baseUrl === undefined ? undefined : new ChatUpstream({ baseUrl, apiKey });
  const transcripts = new AudioTranscripts();
  // Audio comes base64 in the JSON: an upload's limit, as base64, and room for the conversation's text.
  const bodyLimit = Math.ceil((config.maxUploadBytes * 4) / 3) + 1024 * 1024;

  /**
   * Fails before anything runs when the reply cannot be spoken as asked. The speech model stays leased
   * by `work` until the reply has been spoken.
   */
  const replyVoice = async (request: ReplyAudioRequest, work: RequestSignal): Promise<ReplyVoice> => {
    const model = await resolver.acquire('speech', request.model);
    work.hold(model);
    const { id, engine } = model;
    engine.checkVoice(request.voice, 'audio.voice');
    await checkSpeechFormatAvailable(request.format).catch((error: unknown) => {
      throw error instanceof MissingFfmpegError ? new OvSpeechError(error.message, error.code, { param: 'audio.format' }) : error;
    });
    return {
      engine,
      voice: request.voice,
      format: request.format,
      maxCharacters: config.maxInputCharacters,
      onSpeech: (speech) => metrics.recordSpeech(id, speech),
    };
  };

  const transcribe = async (request: ChatRequest, signal: AbortSignal): Promise<void> => {
    if (request.inputAudio.length === 0) return;
    const model = await resolver.acquire('transcription', request.transcriptionModel, signal);
    try {
      const results = await transcribeInputAudio(request.inputAudio, model.engine, decodeLimits(config, model.engine.minimumAudio, signal));
      results.forEach((result, index) => {
        replaceInputAudio(request, request.inputAudio[index]!, result.text);
        metrics.recordTranscription(model.id, result);
      });
    } finally {
      model.release();
    }
  };

  /** The SSE response; it goes on after the handler returns, and disposes of the request's signal. */
  const stream = (ctx: Context & { state: AppState }, response: Response, voice: ReplyVoice | undefined, work: RequestSignal): void => {
    const spoken: SpokenStream | undefined =
      voice === undefined
        ? undefined
        : { audio: transcripts.issue(), speaker: (onAudio) => new ReplySpeaker({ ...voice, signal: work.signal, onAudio }) };
    const events = new EventStream().respond(ctx);
    void relayChatStream(sseData(responseText(response)), events, spoken)
      .then(
        (reply) => {
          if (spoken !== undefined) transcripts.remember(spoken.audio, reply);
          events.done();
        },
        (error: unknown) => {
          ctx.state.log.warn({ err: error }, 'chat completion stream failed');
          events.fail(work.explain(error));
        },
      )
      .finally(work.dispose);
  };

  router.post('/chat/completions', async (ctx) => {
    if (upstream === undefined) throw notConfigured();
    const request = readChatRequest(await readJsonObject(ctx, bodyLimit), upstreamModel);
    restoreAssistantAudio(request, (id) => transcripts.transcript(id));
    const work = requestSignal(ctx, config.requestTimeoutMs, (reason) => metrics.cancelled.inc({ model: String(request.upstream.model), reason }));
    let handedOver = false;
    try {
      const voice = request.replyAudio === undefined ? undefined : await replyVoice(request.replyAudio, work);
      await transcribe(request, work.signal);
      const response = await upstream.post(request.upstream, { signal: work.signal, requestId: ctx.state.requestId, log: ctx.state.log });
      if (request.stream) {
        stream(ctx, response, voice, work);
        handedOver = true;
        return;
      }
      const completion = await readCompletion(response);
      if (voice !== undefined) await addReplyAudio(completion, { ...voice, signal: work.signal }, transcripts);
      ctx.body = completion;
    } catch (error) {
      throw work.explain(error);
    } finally {
      if (!handedOver) work.dispose();
    }
  });
  return router;
}
