import { buffer } from 'node:stream/consumers';

import { Router } from '@koa/router';
import type { Context } from 'koa';

import {
  checkSpeechFormatAvailable,
  createSpeechEncoder,
  defaultOutputSampleRate,
  SPEECH_CONTENT_TYPES,
  wholeFile,
  wholeFileEncoding,
  type SpeechEncoder,
} from '../../audio/encode.js';
import { createSentenceWavEncoder } from '../../audio/pcmEncoder.js';
import type { ServerConfig } from '../../config/config.js';
import type { ModelResolver } from '../../engine/ModelResolver.js';
import type { Speech, SpeechEngine } from '../../engine/SpeechEngine.js';
import type { ApiDialect } from '../dialect.js';
import type { AppState } from '../state.js';
import { FirstOutput } from '../firstOutput.js';
import type { HttpMetrics } from '../metrics.js';
import { readJsonObject } from '../params/jsonBody.js';
import { requestSignal, type RequestSignal } from '../requestSignal.js';
import { readFamilyOptions, readSpeechRequest, type SpeechRequest } from '../schemas/speech.js';
import { EventStream } from '../sse.js';

export interface SpeechRouteOptions {
  resolver: ModelResolver;
  config: ServerConfig;
  metrics: HttpMetrics;
  /** How the prefix these routes are served under reads a request. */
  dialect: ApiDialect;
}

/** POST /audio/speech and GET /audio/voices, under the API prefix. */
export function speechRoutes({ resolver, config, metrics, dialect }: SpeechRouteOptions): Router<AppState> {
  const router = new Router<AppState>();

  router.post('/audio/speech', async (ctx) => {
    const body = await readJsonObject(ctx);
    const request = readSpeechRequest(body, config.maxInputCharacters, dialect);
    const model = await resolver.acquire('speech', request.model);
    const { id, engine } = model;
    const work = requestSignal(ctx, config.requestTimeoutMs, (reason) => metrics.cancelled.inc({ model: id, reason }));
    work.hold(model);
    const record = (speech: Speech) => metrics.recordSpeech(id, speech);
    let handedOver = false;
    try {
      const familyOptions = readFamilyOptions(body, engine.familyOptions);
      if (familyOptions !== undefined) request.options.familyOptions = familyOptions;
      const { voice } = request.options;
      if (voice !== undefined && dialect.unknownVoice === 'default' && !engine.hasVoice(voice)) delete request.options.voice;
      const selected = request.voiceSelectors.find((name) => engine.hasVoice(name));
      if (selected !== undefined) request.options.voice = selected;
      engine.checkVoice(request.options.voice);
      await checkSpeechFormatAvailable(request.format);
      if (request.delivery === 'whole') await respondWhole(ctx, engine, request, work, record);
      else {
        await respondStreaming(ctx, engine, request, work, record);
        handedOver = true;
      }
    } catch (error) {
      throw work.explain(error);
    } finally {
      if (!handedOver) work.dispose();
    }
  });

  router.get('/audio/voices', async (ctx) => {
    const requested = typeof ctx.query.model === 'string' ? ctx.query.model : undefined;
    const voiceList = ({ id, engine }: { id: string; engine: SpeechEngine }) => {
      const { names, default: byDefault } = engine.voices();
      return names.map((name) => ({ id: name, object: 'voice', name, model: id, default: name === byDefault }));
    };
    let data: ReturnType<typeof voiceList>;
    if (requested === undefined) data = resolver.readyModels('speech').flatMap(voiceList);
    else {
      const model = await resolver.acquire('speech', requested);
      try {
        data = voiceList(model);
      } finally {
        model.release();
      }
    }
    ctx.body = { object: 'list', data };
  });
  return router;
}

/** The rate the speech is made at: the one asked for, else the format's default for the model. */
function outputRate(engine: SpeechEngine, request: SpeechRequest): number {
  return request.sampleRate ?? defaultOutputSampleRate(request.format, engine.sampleRate);
}

/**
 * The whole file, with its length (and a WAV header with its true sizes). Each sentence is encoded as it
 * arrives, so that no single step on the event loop converts a whole minute of audio.
 */
async function respondWhole(
  ctx: Context,
  engine: SpeechEngine,
  request: SpeechRequest,
  work: RequestSignal,
  record: (speech: Speech) => void,
): Promise<void> {
  const encoder = createSpeechEncoder(wholeFileEncoding(request.format), { sampleRate: outputRate(engine, request) });
  const encoded = buffer(encoder.output);
  // Awaited only after the synthesis; an encoder that fails before then is reported there, not as unhandled.
  encoded.catch(() => undefined);
  let speech: Speech;
  try {
    speech = await engine.synthesize(request.input, {
      ...request.options,
      sampleRate: encoder.sampleRate,
      collect: false,
      signal: work.signal,
      onChunk: (chunk) => encoder.write(chunk),
    });
  } catch (error) {
    encoder.abort();
    throw error;
  }
  encoder.end();
  ctx.type = SPEECH_CONTENT_TYPES[request.format];
  ctx.set('X-Sample-Rate', String(encoder.sampleRate));
  ctx.body = wholeFile(request.format, await encoded, encoder.sampleRate);
  record(speech);
}

/**
 * Audio as each sentence is synthesized. Until the first sentence is ready the request can still fail
 * with a proper status; after it, a failure cuts the response short (audio bytes) or ends it with an
 * error event (SSE).
 */
async function respondStreaming(
  ctx: Context & { state: AppState },
  engine: SpeechEngine,
  request: SpeechRequest,
  work: RequestSignal,
  record: (speech: Speech) => void,
): Promise<void> {
  const sampleRate = outputRate(engine, request);
  const encoder = request.standaloneSentences
    ? createSentenceWavEncoder(SPEECH_CONTENT_TYPES.wav, sampleRate)
    : createSpeechEncoder(request.format, { sampleRate });
  const first = new FirstOutput();
  const running = engine.synthesize(request.input, {
    ...request.options,
    sampleRate,
    collect: false,
    signal: work.signal,
    onChunk: (chunk) => {
      encoder.write(chunk);
      first.arrive();
    },
  });
  try {
    await first.wait(running);
  } catch (error) {
    encoder.abort();
    throw error;
  }
  ctx.set('X-Sample-Rate', String(encoder.sampleRate));
  const finished = request.delivery === 'sse' ? sendEvents(ctx, encoder, running, request.characters, work) : sendBytes(ctx, encoder, running);
  void finished.then(record, (error: unknown) => ctx.state.log.warn({ err: error }, 'speech stream failed')).finally(work.dispose);
}

function sendBytes(ctx: Context, encoder: SpeechEncoder, running: Promise<Speech>): Promise<Speech> {
  ctx.type = encoder.contentType;
  ctx.body = encoder.output;
  return running.then(
    (speech) => {
      encoder.end();
      return speech;
    },
    (error: unknown) => {
      encoder.abort();
      // The status has gone out; a cut-off body is how a binary stream says it failed.
      ctx.res.destroy();
      throw error;
    },
  );
}

/** speech.audio.delta events with base64 audio as it is encoded, then speech.audio.done with usage. */
async function sendEvents(ctx: Context, encoder: SpeechEncoder, running: Promise<Speech>, input: number, work: RequestSignal): Promise<Speech> {
  const events = new EventStream().respond(ctx);
  encoder.output.on('data', (bytes: Buffer) => events.send({ type: 'speech.audio.delta', audio: bytes.toString('base64') }));
  const encoded = new Promise<void>((resolve, reject) => {
    encoder.output.once('end', resolve);
    encoder.output.once('error', reject);
  });
  try {
    const speech = await running;
    encoder.end();
    await encoded;
    // SpeechT5 reads characters and writes spectrogram frames: those are its input and output tokens.
    events.send({
      type: 'speech.audio.done',
      usage: { input_tokens: input, output_tokens: speech.timings.decoderSteps, total_tokens: input + speech.timings.decoderSteps },
    });
    events.end();
    return speech;
  } catch (error) {
    encoder.abort();
    events.fail(work.explain(error));
    throw error;
  }
}
