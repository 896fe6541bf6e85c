import { randomUUID } from 'node:crypto';

import { ModelResolutionError, type ModelResolver, type ResolvedModel } from '../engine/ModelResolver.js';
import type { LiveSpeech, LiveVadUpdate } from '../engine/VadEngine.js';
import type { Transcription } from '../engine/WhisperEngine.js';
import type { PoolStats } from '../native/AddonTypes.js';
import { OvSpeechError } from '../errors.js';
import { RealtimeError } from './errors.js';
import { InputBuffer } from './inputBuffer.js';
import { decodeInputAudio, formatFromGa, formatToGa, INPUT_AUDIO_FORMATS, INPUT_SAMPLE_RATES, type InputAudioFormat } from './inputAudio.js';

/** Limits of one session, so that no client holds memory or the models without bound. */
export interface SessionLimits {
  /** Audio the input buffer holds at most, in seconds. */
  maxBufferedSeconds: number;
  /** Audio a client may send beyond real time: it may run ahead of the clock by this many seconds. */
  maxAheadSeconds: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxBufferedSeconds: 15 * 60, maxAheadSeconds: 30 };

/** What a session is configured with, in the shape of OpenAI's transcription session. */
interface SessionConfig {
  input_audio_format: InputAudioFormat;
  input_audio_transcription: { model: string; language: string | null; prompt: string | null };
  turn_detection: TurnDetection | null;
  include: string[];
}

/** OpenAI's server_vad: a turn ends after `silence_duration_ms` of silence, and starts `prefix_padding_ms` before its speech. */
interface TurnDetection {
  type: 'server_vad';
  threshold: number;
  prefix_padding_ms: number;
  silence_duration_ms: number;
}

/** The detector of a session's turns, on the voice activity detector it holds. */
interface TurnDetector {
  lease: ResolvedModel<'vad'>;
  live: LiveSpeech;
  settings: TurnDetection;
}

/** A turn being transcribed: its events are held until it is committed and the turns before it are done. */
interface TurnJob {
  itemId: string;
  /** The span of the input it transcribes, in samples of the stream: a paused turn's, when started early. */
  span: { start: number; at: number };
  /** Whether it completed (rather than failed). */
  finished: Promise<boolean>;
  /** Lets its events out (once committed and the turns before it have sent theirs). */
  release(): void;
  cancel(): void;
}

/** OpenAI's defaults for server_vad. */
const SERVER_VAD: TurnDetection = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 };
/** Audio kept beyond a turn's padding while no speech goes on: more than the detector lags behind. */
const UNSCORED_SECONDS = 0.1;
/** Speech shorter than this ends no turn: its audio is dropped after speech_stopped (a cough, a click). */
const MIN_TURN_SPEECH_MS = 250;
/**
 * A paused turn is transcribed this long before its silence would end it (about what whisper-base takes for
 * a turn on 2 cores), while the model is idle: if the pause lasts, the turn's transcript is ready when
 * speech_stopped is sent; if speech resumes, the early transcription is cancelled. The audio is the
 * turn's either way, so the transcript is the same.
 */
const EARLY_START_MS = 300;

type Event = Record<string, unknown> & { type: string };

/** What a session reports for the server's metrics. */
export interface SessionObserver {
  audioAppended(seconds: number): void;
  /** Frames the detector scored, and of them those it took for speech. */
  framesScored(frames: number, speech: number): void;
  /** Seconds from a turn's commit to its completed transcript. */
  turnCompleted(seconds: number): void;
  /** A turn transcribed early (EARLY_START_MS) was used, or cancelled as speech resumed. */
  earlyTurn(outcome: 'used' | 'cancelled'): void;
}

const NO_OBSERVER: SessionObserver = {
  audioAppended: () => undefined,
  framesScored: () => undefined,
  turnCompleted: () => undefined,
  earlyTurn: () => undefined,
};

/** A session's turn_detection: null, or server_vad with OpenAI's defaults for absent fields. */
function readTurnDetection(value: unknown): TurnDetection | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value) || (value as { type?: unknown }).type !== 'server_vad') {
    throw new RealtimeError('turn_detection must be null or {"type": "server_vad", ...}', 'invalid_value', 'session.turn_detection');
  }
  const given = value as Record<string, unknown>;
  const number = (name: 'threshold' | 'prefix_padding_ms' | 'silence_duration_ms', max: number): number => {
    const field = given[name];
    if (field === undefined) return SERVER_VAD[name];
    if (typeof field !== 'number' || !(field >= 0 && field <= max) || (name !== 'threshold' && !Number.isInteger(field))) {
      throw new RealtimeError(`turn_detection.${name} must be a number from 0 to ${max}`, 'invalid_value', `session.turn_detection.${name}`);
    }
    return field;
  };
  const threshold = number('threshold', 1);
  if (threshold === 0) throw new RealtimeError('turn_detection.threshold must be above 0', 'invalid_value', 'session.turn_detection.threshold');
  return {
    type: 'server_vad',
    threshold,
    prefix_padding_ms: number('prefix_padding_ms', 10_000),
    silence_duration_ms: number('silence_duration_ms', 10_000),
  };
}

/** Any failure of a client event as the error event reports it: a refusal, or the server's own failure. */
function asRealtimeError(error: unknown): RealtimeError {
  if (error instanceof RealtimeError) return error;
  if (error instanceof OvSpeechError) return new RealtimeError(error.message, error.code.toLowerCase(), error.param ?? null);
  return new RealtimeError('The event could not be handled', 'internal');
}

const id = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 20)}`;

/**
 * One transcription session of OpenAI's Realtime API (`?intent=transcription`), whatever carries it: the
 * client's events go to handle(), the server's come out of `send`. Committed turns are transcribed on the
 * server's Whisper models, in the same queues as HTTP requests; each turn's events go out in the order
 * the turns were committed, though the turns run at once. close() cancels what runs.
 */
export class TranscriptionSession {
  readonly id = id('sess');
  readonly #config: SessionConfig = {
    input_audio_format: 'pcm16',
    input_audio_transcription: { model: 'whisper-1', language: null, prompt: null },
    turn_detection: null,
    include: [],
  };
  readonly #buffer = new InputBuffer();
  /** The detector of turns, while turn_detection is server_vad. */
  #detector: TurnDetector | undefined;
  /** The item of the turn whose speech has started, until it is committed. */
  #speechItem: string | undefined;
  /** The turn of the speech in progress, transcribed early while its speech pauses (EARLY_START_MS). */
  #early: TurnJob | undefined;
  #previousItem: string | null = null;
  /** Seconds of audio appended, against the clock since the first append (SessionLimits.maxAheadSeconds). */
  #appendedSeconds = 0;
  #firstAppend: number | undefined;
  /** Turns in commit order; each sends its events once the turns before it have sent theirs. */
  #turns: Promise<void> = Promise.resolve();
  readonly #aborted = new AbortController();

  constructor(
    private readonly resolver: ModelResolver,
    private readonly send: (event: Event) => void,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly observer: SessionObserver = NO_OBSERVER,
  ) {
    // OpenAI's default is server_vad; without a detector on the server, the client commits each turn.
    try {
      this.#setTurnDetection(SERVER_VAD, this.#config.input_audio_format);
      this.#config.turn_detection = SERVER_VAD;
    } catch (error) {
      if (!(error instanceof RealtimeError)) throw error;
    }
    this.#emit({ type: 'transcription_session.created', session: this.#session() });
  }

  /** A client event as the socket received it. A bad one gets an `error` event; the session goes on. */
  handle(message: string): void {
    let clientEventId: string | null = null;
    try {
      let event: unknown;
      try {
        event = JSON.parse(message);
      } catch {
        throw new RealtimeError('The event is not valid JSON', 'invalid_json');
      }
      if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new RealtimeError('An event is a JSON object', 'invalid_event');
      const fields = event as Record<string, unknown>;
      if (typeof fields.event_id === 'string') clientEventId = fields.event_id;
      if (typeof fields.type !== 'string') throw new RealtimeError('The event has no type', 'missing_required_parameter', 'type');
      this.#dispatch(fields.type, fields);
    } catch (error) {
      this.reject(asRealtimeError(error), clientEventId);
    }
  }

  /** An `error` event for a client event refused, naming that event when it had an id. */
  reject(error: RealtimeError, clientEventId: string | null = null): void {
    this.#emit({
      type: 'error',
      error: { type: 'invalid_request_error', code: error.code, message: error.message, param: error.param, event_id: clientEventId },
    });
  }

  /** Cancels the turns being transcribed: their socket is gone. */
  close(): void {
    this.#aborted.abort(new OvSpeechError('The realtime session closed', 'CANCELLED'));
    this.#detector?.lease.release();
    this.#detector = undefined;
  }

  /** Resolves once every committed turn has sent its events (for a graceful shutdown). */
  settled(): Promise<void> {
    return this.#turns;
  }

  #dispatch(type: string, event: Record<string, unknown>): void {
    switch (type) {
      case 'transcription_session.update':
        this.#update(event.session);
        this.#emit({ type: 'transcription_session.updated', session: this.#session() });
        return;
      case 'session.update':
        this.#updateGa(event.session);
        this.#emit({ type: 'session.updated', session: this.#gaSession() });
        return;
      case 'input_audio_buffer.append':
        this.#append(event.audio);
        return;
      case 'input_audio_buffer.commit':
        this.#commit();
        return;
      case 'input_audio_buffer.clear':
        this.#buffer.clear();
        this.#cancelEarly();
        this.#emit({ type: 'input_audio_buffer.cleared' });
        return;
      default:
        throw new RealtimeError(`Unknown event type '${type}' for a transcription session`, 'invalid_event_type', 'type');
    }
  }

  #session() {
    return { id: this.id, object: 'realtime.transcription_session', ...this.#config, input_audio_noise_reduction: null };
  }

  /** The session in the GA Realtime API's shape (`session.updated`). */
  #gaSession() {
    const { input_audio_format, input_audio_transcription, turn_detection, include } = this.#config;
    return {
      type: 'transcription',
      object: 'realtime.transcription_session',
      id: this.id,
      audio: { input: { format: formatToGa(input_audio_format), transcription: input_audio_transcription, turn_detection, noise_reduction: null } },
      include,
    };
  }

  /**
   * A GA `session.update` (`session.type` "transcription", the settings under `audio.input`), applied as the
   * beta update it maps to; an error names the GA field.
   */
  #updateGa(session: unknown): void {
    if (typeof session !== 'object' || session === null || Array.isArray(session)) {
      throw new RealtimeError('session.update needs a session object', 'missing_required_parameter', 'session');
    }
    const given = session as { type?: unknown; audio?: { input?: Record<string, unknown> }; include?: unknown };
    if (given.type !== 'transcription') {
      throw new RealtimeError('session.type must be "transcription": this endpoint serves transcription sessions', 'invalid_value', 'session.type');
    }
    const input = given.audio?.input ?? {};
    const beta: Record<string, unknown> = {
      ...(input.format === undefined ? {} : { input_audio_format: formatFromGa(input.format) }),
      ...(input.transcription === undefined ? {} : { input_audio_transcription: input.transcription }),
      ...(input.turn_detection === undefined ? {} : { turn_detection: input.turn_detection }),
      ...(given.include === undefined ? {} : { include: given.include }),
    };
    try {
      this.#update(beta);
    } catch (error) {
      if (!(error instanceof RealtimeError) || error.param === null) throw error;
      const param = error.param
        .replace(/^session\.input_audio_format/, 'session.audio.input.format')
        .replace(/^session\.input_audio_transcription/, 'session.audio.input.transcription')
        .replace(/^session\.turn_detection/, 'session.audio.input.turn_detection');
      throw new RealtimeError(error.message, error.code, param);
    }
  }

  #update(session: unknown): void {
    if (typeof session !== 'object' || session === null || Array.isArray(session)) {
      throw new RealtimeError('transcription_session.update needs a session object', 'missing_required_parameter', 'session');
    }
    const given = session as Record<string, unknown>;
    const next = structuredClone(this.#config);
    if (given.input_audio_format !== undefined) {
      if (!(INPUT_AUDIO_FORMATS as readonly unknown[]).includes(given.input_audio_format)) {
        throw new RealtimeError(`input_audio_format must be one of ${INPUT_AUDIO_FORMATS.join(', ')}`, 'invalid_value', 'session.input_audio_format');
      }
      if (this.#buffer.length > 0 && given.input_audio_format !== this.#config.input_audio_format) {
        throw new RealtimeError(
          'The input audio format cannot change while the buffer holds audio; commit or clear it first',
          'invalid_value',
          'session.input_audio_format',
        );
      }
      next.input_audio_format = given.input_audio_format as InputAudioFormat;
    }
    if (given.input_audio_transcription !== undefined && given.input_audio_transcription !== null) {
      const transcription = given.input_audio_transcription as Record<string, unknown>;
      for (const field of ['model', 'language', 'prompt'] as const) {
        const value = transcription[field];
        if (value === undefined) continue;
        if (typeof value !== 'string' && !(value === null && field !== 'model')) {
          throw new RealtimeError(`${field} must be a string`, 'invalid_value', `session.input_audio_transcription.${field}`);
        }
        (next.input_audio_transcription as Record<string, string | null>)[field] = value;
      }
      // Fails now, not at the first turn, for a model the server does not have (an unloaded one loads then).
      try {
        this.resolver.find('transcription', next.input_audio_transcription.model);
      } catch (error) {
        if (error instanceof ModelResolutionError) {
          throw new RealtimeError(error.message, error.problem, 'session.input_audio_transcription.model');
        }
        throw error;
      }
    }
    if (given.turn_detection !== undefined) next.turn_detection = readTurnDetection(given.turn_detection);
    if (given.include !== undefined) {
      if (!Array.isArray(given.include) || given.include.some((item) => item !== 'item.input_audio_transcription.logprobs')) {
        throw new RealtimeError('include takes "item.input_audio_transcription.logprobs"', 'invalid_value', 'session.include');
      }
      next.include = given.include as string[];
    }
    this.#setTurnDetection(next.turn_detection, next.input_audio_format);
    Object.assign(this.#config, next);
  }

  /** Starts, restarts or stops the detector of turns; a new one starts at the end of the buffer. */
  #setTurnDetection(settings: TurnDetection | null, format: InputAudioFormat): void {
    // The detector exists exactly while turn_detection is set: nothing to do when neither it nor the rate changes.
    if (JSON.stringify(settings) === JSON.stringify(this.#config.turn_detection) && format === this.#config.input_audio_format) return;
    let next: TurnDetector | undefined;
    if (settings !== null) {
      let lease: ResolvedModel<'vad'>;
      try {
        lease = this.resolver.resolve('vad', undefined);
      } catch (error) {
        if (error instanceof ModelResolutionError) {
          throw new RealtimeError(
            `turn_detection server_vad needs a voice activity detector: ${error.message}`,
            error.problem,
            'session.turn_detection',
          );
        }
        throw error;
      }
      const live = lease.engine.createLive(INPUT_SAMPLE_RATES[format], {
        threshold: settings.threshold,
        minSilenceMs: settings.silence_duration_ms,
        minSpeechMs: 0,
        speechPadMs: 0,
      });
      next = { lease, live, settings };
    }
    this.#detector?.lease.release();
    this.#detector = next;
    this.#speechItem = undefined;
    this.#cancelEarly();
  }

  #append(audio: unknown): void {
    if (typeof audio !== 'string')
      throw new RealtimeError('input_audio_buffer.append needs audio, base64 text', 'missing_required_parameter', 'audio');
    const format = this.#config.input_audio_format;
    const samples = decodeInputAudio(audio, format);
    const rate = INPUT_SAMPLE_RATES[format];
    const seconds = samples.length / rate;
    const now = performance.now();
    this.#firstAppend ??= now;
    const allowed = (now - this.#firstAppend) / 1000 + this.limits.maxAheadSeconds;
    if (this.#appendedSeconds + seconds > allowed) {
      throw new RealtimeError(
        `Audio is arriving faster than real time: ${(this.#appendedSeconds + seconds).toFixed(1)} s sent in ${((now - this.#firstAppend) / 1000).toFixed(1)} s; this append was dropped`,
        'rate_limit_exceeded',
        'audio',
      );
    }
    if ((this.#buffer.length + samples.length) / rate > this.limits.maxBufferedSeconds) {
      throw new RealtimeError(
        `The input audio buffer holds at most ${this.limits.maxBufferedSeconds} s; commit or clear it. This append was dropped`,
        'input_audio_buffer_full',
        'audio',
      );
    }
    this.#appendedSeconds += seconds;
    this.observer.audioAppended(seconds);
    this.#buffer.append(samples);
    if (this.#detector !== undefined) this.#detect(this.#detector, samples);
  }

  /** Feeds the detector; a start of speech is announced, an end commits the turn. */
  #detect(detector: TurnDetector, samples: Float32Array): void {
    const pushedUpTo = this.#buffer.end;
    const rate = INPUT_SAMPLE_RATES[this.#config.input_audio_format];
    const ms = (position: number) => Math.round((position / rate) * 1000);
    detector.live.push(samples, this.#aborted.signal).then(
      (update) => {
        if (this.#detector !== detector) return;
        this.observer.framesScored(update.frames, update.speechFrames);
        for (const event of update.events) {
          if (event.type === 'started') {
            this.#cancelEarly();
            this.#speechItem = id('item');
            this.#emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: ms(event.at), item_id: this.#speechItem });
            continue;
          }
          const itemId = this.#speechItem ?? id('item');
          this.#speechItem = undefined;
          this.#emit({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: ms(event.at), item_id: itemId });
          const early = this.#early?.span.start === event.start && this.#early.span.at === event.at ? this.#early : undefined;
          if (early === undefined) this.#cancelEarly();
          else this.observer.earlyTurn('used');
          this.#early = undefined;
          if (event.at - event.start >= (MIN_TURN_SPEECH_MS / 1000) * rate) {
            this.#commitTurn(early ?? this.#startTurn(itemId, this.#turnAudio(detector, event, rate), rate, event));
          }
          this.#buffer.dropBefore(event.at);
        }
        if (this.#speechItem !== undefined) this.#startEarly(detector, update.pause, rate);
        // Out of speech, only the padding a next turn starts with is kept, and the audio the detector has
        // not scored yet (the resampler's delay and a partial frame, under 100 ms).
        if (this.#speechItem === undefined) {
          this.#buffer.dropBefore(pushedUpTo - Math.round((detector.settings.prefix_padding_ms / 1000 + UNSCORED_SECONDS) * rate));
        }
      },
      (error: unknown) => {
        if (!this.#aborted.signal.aborted) this.reject(asRealtimeError(error));
      },
    );
  }

  /**
   * While speech pauses and the model is idle, transcribes the turn the pause would end, EARLY_START_MS
   * before its silence is long enough; a pause that ends, or one at another place, cancels it.
   */
  #startEarly(detector: TurnDetector, pause: LiveVadUpdate['pause'], rate: number): void {
    if (this.#early !== undefined && (pause === null || pause.start !== this.#early.span.start || pause.at !== this.#early.span.at)) {
      this.#cancelEarly();
    }
    if (pause === null || this.#early !== undefined || this.#speechItem === undefined) return;
    const silenceMs = (pause.silence / rate) * 1000;
    if (silenceMs < detector.settings.silence_duration_ms - EARLY_START_MS) return;
    if (pause.at - pause.start < (MIN_TURN_SPEECH_MS / 1000) * rate) return;
    // Only a model that is ready and idle: reading its load takes no lease and starts no load.
    let load: PoolStats | undefined;
    try {
      const entry = this.resolver.find('transcription', this.#config.input_audio_transcription.model);
      load = entry.state === 'ready' ? entry.loaded?.engine.stats() : undefined;
    } catch {
      return; // gone since the session chose it: the turn fails at its commit, as any other
    }
    if (load === undefined || load.running + load.queued > 0) return;
    this.#early = this.#startTurn(this.#speechItem, this.#turnAudio(detector, pause, rate), rate, pause);
  }

  /** A turn's audio: its speech, [start, at), and the prefix padding before it. */
  #turnAudio(detector: TurnDetector, span: { start: number; at: number }, rate: number): Float32Array {
    return this.#buffer.slice(span.start - Math.round((detector.settings.prefix_padding_ms / 1000) * rate), span.at);
  }

  #cancelEarly(): void {
    if (this.#early === undefined) return;
    this.#early.cancel();
    this.#early = undefined;
    this.observer.earlyTurn('cancelled');
  }

  #commit(): void {
    const rate = INPUT_SAMPLE_RATES[this.#config.input_audio_format];
    // OpenAI's minimum: 100 ms of audio.
    if (this.#buffer.length < rate / 10) {
      throw new RealtimeError(
        `Committing needs at least 100 ms of audio; the buffer has ${((this.#buffer.length / rate) * 1000).toFixed(0)} ms`,
        'input_audio_buffer_commit_empty',
      );
    }
    const span = { start: this.#buffer.start, at: this.#buffer.end };
    const samples = this.#buffer.slice(span.start, span.at);
    this.#buffer.clear();
    const itemId = this.#speechItem ?? id('item');
    this.#speechItem = undefined;
    this.#cancelEarly();
    this.#commitTurn(this.#startTurn(itemId, samples, rate, span));
  }

  /** Announces a turn committed, and lets its events out after those of the turns committed before it. */
  #commitTurn(turn: TurnJob): void {
    this.#emit({ type: 'input_audio_buffer.committed', previous_item_id: this.#previousItem, item_id: turn.itemId });
    this.#emit({
      type: 'conversation.item.created',
      previous_item_id: this.#previousItem,
      item: {
        id: turn.itemId,
        object: 'realtime.item',
        type: 'message',
        status: 'completed',
        role: 'user',
        content: [{ type: 'input_audio', transcript: null }],
      },
    });
    this.#previousItem = turn.itemId;
    const committed = performance.now();
    this.#turns = this.#turns.then(async () => {
      turn.release();
      // From the commit: a turn started early may be done by then.
      if (await turn.finished) this.observer.turnCompleted((performance.now() - committed) / 1000);
    });
  }

  /** Starts transcribing a turn at once; its events are held until release(). */
  #startTurn(itemId: string, samples: Float32Array, sampleRate: number, span: { start: number; at: number }): TurnJob {
    const { model, language, prompt } = this.#config.input_audio_transcription;
    const logprobs = this.#config.include.includes('item.input_audio_transcription.logprobs');
    const cancelled = new AbortController();
    const signal = AbortSignal.any([this.#aborted.signal, cancelled.signal]);
    const held: Event[] = [];
    let released = false;
    const out = (event: Event) => (released ? this.#emit(event) : held.push(event));
    const running = (async (): Promise<Transcription> => {
      const resolved = await this.resolver.acquire('transcription', model, signal);
      try {
        return await resolved.engine.transcribe(
          { samples, sampleRate, channels: 1 },
          {
            ...(language === null ? {} : { language }),
            ...(prompt === null ? {} : { prompt }),
            ...(logprobs ? { logprobs: true } : {}),
            timestampGranularities: [],
            signal,
            onText: (delta, tokens) =>
              out({
                type: 'conversation.item.input_audio_transcription.delta',
                item_id: itemId,
                content_index: 0,
                delta,
                ...(logprobs ? { logprobs: tokens ?? [] } : {}),
              }),
          },
        );
      } finally {
        resolved.release();
      }
    })();
    const finished = running.then(
      (result) => {
        out({
          type: 'conversation.item.input_audio_transcription.completed',
          item_id: itemId,
          content_index: 0,
          transcript: result.text,
          ...(logprobs ? { logprobs: result.logprobs ?? [] } : {}),
          usage: { type: 'duration', seconds: Math.ceil(result.duration) },
        });
        return true;
      },
      (error: unknown) => {
        if (signal.aborted) return false;
        const known = error instanceof OvSpeechError ? error : undefined;
        out({
          type: 'conversation.item.input_audio_transcription.failed',
          item_id: itemId,
          content_index: 0,
          error: {
            type: 'server_error',
            code: known?.code.toLowerCase() ?? 'internal',
            message: known?.message ?? 'The turn could not be transcribed',
            param: null,
          },
        });
        return false;
      },
    );
    return {
      itemId,
      span,
      finished,
      release: () => {
        for (const event of held.splice(0)) this.#emit(event);
        released = true;
      },
      cancel: () => cancelled.abort(new OvSpeechError('Speech resumed before the turn ended', 'CANCELLED')),
    };
  }

  #emit(event: Event): void {
    if (this.#aborted.signal.aborted) return;
    this.send({ event_id: id('event'), ...event });
  }
}
