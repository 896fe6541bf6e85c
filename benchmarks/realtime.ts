// The realtime scenario: transcription sessions over /v1/realtime, each streaming speech at real-time pace,
// while HTTP clients keep sending transcriptions to the same server. It measures each turn's latency from
// the server's speech_stopped, and checks that no turn was lost, reordered or transcribed otherwise than the
// HTTP endpoint transcribes the same samples.
import WebSocket from 'ws';

import { pcm16At24k } from '../test/helpers/generatedAudio.js';
import { CLIP_RATE } from '../test/accuracy/corpus.js';
import { clipSamples, corpusClips, SHORT_CLIP_SECONDS, type Workload } from './scenarios.js';
import { percentiles, runClientsUntil, type Percentiles } from './sweep.js';
import { UsageMeter, type ServerUsage } from './serverProcess.js';
import type { SystemUnderTest } from './systems.js';

/** The session's input: pcm16 at 24 kHz (OpenAI's), sent 100 ms a message as a live client sends it. */
const SESSION_RATE = 24_000;
const MESSAGE_SECONDS = 0.1;
/** Silence before the first utterance, and between two: well over server_vad's 500 ms, so each is a turn. */
const LEAD_SECONDS = 1;
const GAP_SECONDS = 1.5;
/** How long the turns still running when the streams end may take to complete. */
const SETTLE_TIMEOUT_MS = 300_000;
/** server_vad's default prefix padding: a turn is its speech and this much before it. */
const PREFIX_PADDING_MS = 300;

export interface RealtimeOptions {
  sttModel: string;
  /** Seconds each session streams. */
  seconds: number;
  /** HTTP clients sending the stt-short workload meanwhile, each its next request as soon as one is answered. */
  httpClients: number;
}

/** One turn as a client saw it; times in ms from the session's first append. */
interface Turn {
  itemId: string;
  audioStartMs: number | undefined;
  audioEndMs: number | undefined;
  stoppedAt: number | undefined;
  committedAt: number | undefined;
  firstDeltaAt: number | undefined;
  completedAt: number | undefined;
  transcript: string | undefined;
  failed: string | undefined;
}

/** One run of `sessions` sessions: the unit of the realtime table. */
export interface RealtimeRow {
  system: string;
  sessions: number;
  secondsPerSession: number;
  httpClients: number;
  /** Utterances streamed, over all sessions, and turns the server committed. */
  utterances: number;
  turns: number;
  completed: number;
  /** Turns whose completed event came out of commit order within their session. */
  reordered: number;
  /** Turns whose transcript equals the HTTP endpoint's on the turn's own samples, of the turns completed. */
  equalToHttp: number;
  /** error and transcription.failed events, by message, with their counts. */
  errors: Record<string, number>;
  /** From speech_stopped (as received) to the completed transcript, and to the first delta. */
  turnLatencyMs: Percentiles | null;
  firstDeltaMs: Percentiles | null;
  /**
   * From the end of the turn's speech, as sent (its place in the stream, on the sending clock), to the
   * completed transcript: what a speaker waits, server_vad's silence included.
   */
  afterSpeechMs: Percentiles | null;
  /** Turns the server transcribed early, in a pause: used, and cancelled as speech resumed (its metrics). */
  earlyTurns: { used: number; cancelled: number };
  /** How far behind its real-time schedule a message was sent, at most: the pace the server was given. */
  maxSendLagMs: number;
  http: { requests: number; failed: number; latencyMs: Percentiles | null };
  server: ServerUsage | null;
}

/** A session's utterances: stt-short's clips in turn from its own first clip, each between silences. */
interface SessionAudio {
  pcm: Buffer;
  utterances: number;
}

function sessionAudio(clips: readonly Float32Array[], index: number, sessions: number, seconds: number): SessionAudio {
  const samples = new Float32Array(Math.round(seconds * CLIP_RATE));
  let at = LEAD_SECONDS * CLIP_RATE;
  let utterances = 0;
  for (let k = Math.floor((index * clips.length) / sessions); ; k = (k + 1) % clips.length) {
    const clip = clips[k]!;
    // The last utterance is followed by a gap too, so that its end is heard.
    if (at + clip.length + GAP_SECONDS * CLIP_RATE > samples.length) break;
    samples.set(clip, at);
    at += clip.length + GAP_SECONDS * CLIP_RATE;
    utterances++;
  }
  return { pcm: pcm16At24k(samples), utterances };
}

/** A session's outcome: its turns in commit order, the order its completed events came in, errors, lag. */
interface SessionOutcome {
  audio: SessionAudio;
  turns: Turn[];
  completedOrder: string[];
  errors: string[];
  maxSendLagMs: number;
}

/** Streams one session's audio at real-time pace from `startAt` (performance.now() time) and collects its turns. */
async function runSession(url: string, model: string, audio: SessionAudio, startAt: number): Promise<SessionOutcome> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/realtime?intent=transcription`);
  const turns = new Map<string, Turn>();
  const order: string[] = [];
  const completedOrder: string[] = [];
  const errors: string[] = [];
  const turn = (itemId: string): Turn => {
    let known = turns.get(itemId);
    if (known === undefined) {
      known = {
        itemId,
        audioStartMs: undefined,
        audioEndMs: undefined,
        stoppedAt: undefined,
        committedAt: undefined,
        firstDeltaAt: undefined,
        completedAt: undefined,
        transcript: undefined,
        failed: undefined,
      };
      turns.set(itemId, known);
    }
    return known;
  };
  let settle: () => void = () => undefined;
  const pending = () => order.filter((itemId) => turns.get(itemId)!.completedAt === undefined && turns.get(itemId)!.failed === undefined).length;
  socket.on('message', (data: Buffer) => {
    const now = performance.now() - startAt;
    const event = JSON.parse(data.toString('utf8')) as Record<string, unknown> & { type: string; item_id?: string };
    switch (event.type) {
      case 'input_audio_buffer.speech_started':
        turn(event.item_id!).audioStartMs = event.audio_start_ms as number;
        break;
      case 'input_audio_buffer.speech_stopped':
        Object.assign(turn(event.item_id!), { audioEndMs: event.audio_end_ms as number, stoppedAt: now });
        break;
      case 'input_audio_buffer.committed':
        turn(event.item_id!).committedAt = now;
        order.push(event.item_id!);
        break;
      case 'conversation.item.input_audio_transcription.delta':
        turn(event.item_id!).firstDeltaAt ??= now;
        break;
      case 'conversation.item.input_audio_transcription.completed':
        Object.assign(turn(event.item_id!), { completedAt: now, transcript: event.transcript as string });
        completedOrder.push(event.item_id!);
        settle();
        break;
      case 'conversation.item.input_audio_transcription.failed':
        turn(event.item_id!).failed = JSON.stringify(event.error);
        errors.push(`transcription failed: ${JSON.stringify(event.error)}`);
        settle();
        break;
      case 'error':
        errors.push(`error: ${JSON.stringify(event.error)}`);
        break;
    }
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'transcription_session.update', session: { input_audio_transcription: { model, language: 'en' } } }));
  const bytesPerMessage = Math.round(SESSION_RATE * MESSAGE_SECONDS) * 2;
  let maxSendLagMs = 0;
  for (let offset = 0, k = 0; offset < audio.pcm.length; offset += bytesPerMessage, k++) {
    // Sent once its 100 ms have passed, as a microphone delivers it.
    const due = startAt + (k + 1) * MESSAGE_SECONDS * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
    socket.send(
      JSON.stringify({ type: 'input_audio_buffer.append', audio: audio.pcm.subarray(offset, offset + bytesPerMessage).toString('base64') }),
    );
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a session's turns did not complete within ${SETTLE_TIMEOUT_MS / 1000} s`)), SETTLE_TIMEOUT_MS);
    settle = () => {
      if (pending() > 0) return;
      clearTimeout(timer);
      resolve();
    };
    // The detector scores the last messages after they are sent: give its events time to come.
    setTimeout(settle, 2000);
  });
  socket.close();
  return { audio, turns: order.map((itemId) => turns.get(itemId)!), completedOrder, errors, maxSendLagMs };
}

/** The HTTP endpoint's transcript of a turn's own samples: its speech and the prefix padding before it. */
async function httpTranscript(url: string, model: string, pcm: Buffer, turn: Turn): Promise<string> {
  const from = Math.max(0, (turn.audioStartMs! - PREFIX_PADDING_MS) * (SESSION_RATE / 1000));
  const to = turn.audioEndMs! * (SESSION_RATE / 1000);
  const form = new FormData();
  form.append('file', new Blob([pcm.subarray(from * 2, to * 2)], { type: 'audio/pcm' }), 'turn.pcm');
  for (const [name, value] of Object.entries({ model, sample_rate: String(SESSION_RATE), language: 'en', temperature: '0' }))
    form.append(name, value);
  const response = await fetch(`${url}/v1/audio/transcriptions`, { method: 'POST', body: form });
  const body = (await response.json()) as { text?: string; error?: { message: string } };
  if (!response.ok || body.text === undefined) throw new Error(`the HTTP transcription of a turn failed: ${response.status} ${body.error?.message}`);
  return body.text;
}

/** Runs `sessions` sessions at once, started 1 s apart at most in all, beside `options.httpClients` HTTP clients of `http`. */
export async function measureRealtime(system: SystemUnderTest, sessions: number, http: Workload, options: RealtimeOptions): Promise<RealtimeRow> {
  const clips = corpusClips()
    .filter((clip) => clip.seconds >= SHORT_CLIP_SECONDS.min && clip.seconds <= SHORT_CLIP_SECONDS.max)
    .map(clipSamples);
  const audios = Array.from({ length: sessions }, (_, i) => sessionAudio(clips, i, sessions, options.seconds));
  const meter = system.pid === undefined ? undefined : new UsageMeter(system.pid);
  meter?.begin();
  const start = performance.now() + 500;
  let streaming = true;
  const httpResults = runClientsUntil(http, system.url, options.httpClients, () => streaming);
  const outcomes = await Promise.all(audios.map((audio, i) => runSession(system.url, options.sttModel, audio, start + (i * 1000) / sessions)));
  streaming = false;
  const answered = await httpResults;
  const server = meter?.end() ?? null;

  const errors: Record<string, number> = {};
  const turnLatency: number[] = [];
  const firstDelta: number[] = [];
  const afterSpeech: number[] = [];
  let equalToHttp = 0;
  let reordered = 0;
  for (const outcome of outcomes) {
    for (const message of outcome.errors) errors[message] = (errors[message] ?? 0) + 1;
    const committed = outcome.turns.filter((turn) => turn.completedAt !== undefined).map((turn) => turn.itemId);
    reordered += committed.filter((itemId, i) => outcome.completedOrder[i] !== itemId).length;
    for (const turn of outcome.turns) {
      if (turn.completedAt === undefined || turn.stoppedAt === undefined) continue;
      turnLatency.push(turn.completedAt - turn.stoppedAt);
      afterSpeech.push(turn.completedAt - turn.audioEndMs!);
      if (turn.firstDeltaAt !== undefined) firstDelta.push(turn.firstDeltaAt - turn.stoppedAt);
      // After the load: the reference is the endpoint's transcript of the same samples, not a timing.
      if ((await httpTranscript(system.url, options.sttModel, outcome.audio.pcm, turn)) === turn.transcript) equalToHttp++;
    }
  }
  const metrics = await (await fetch(`${system.url}/metrics`)).text();
  const early = (outcome: string) =>
    Number(new RegExp(`^ovspeech_realtime_early_turns_total\\{outcome="${outcome}"\\} (\\S+)`, 'm').exec(metrics)?.[1] ?? 0);
  const httpLatencies = answered.filter((r) => !('error' in r)).map((r) => r.latencyMs);
  return {
    system: system.name,
    sessions,
    secondsPerSession: options.seconds,
    httpClients: options.httpClients,
    utterances: outcomes.reduce((n, outcome) => n + outcome.audio.utterances, 0),
    turns: outcomes.reduce((n, outcome) => n + outcome.turns.length, 0),
    completed: outcomes.reduce((n, outcome) => n + outcome.turns.filter((turn) => turn.completedAt !== undefined).length, 0),
    reordered,
    equalToHttp,
    errors,
    turnLatencyMs: percentiles(turnLatency),
    firstDeltaMs: percentiles(firstDelta),
    afterSpeechMs: percentiles(afterSpeech),
    earlyTurns: { used: early('used'), cancelled: early('cancelled') },
    maxSendLagMs: Math.max(...outcomes.map((outcome) => outcome.maxSendLagMs)),
    http: { requests: answered.length, failed: answered.length - httpLatencies.length, latencyMs: percentiles(httpLatencies) },
    server,
  };
}

const ms = (p: Percentiles | null) => (p === null ? '–' : `${p.p50.toFixed(0)} / ${p.p95.toFixed(0)} / ${p.p99.toFixed(0)}`);

/** The table of realtime rows. */
export function realtimeMarkdown(rows: readonly RealtimeRow[]): string[] {
  const out = [
    '| system | sessions × s | HTTP clients | turns / utterances | completed | reordered | equal to HTTP | completed after speech_stopped p50 / p95 / p99 ms | first delta after speech_stopped p50 / p95 / p99 ms | completed after the end of speech was sent p50 / p95 / p99 ms | early turns used / cancelled | max send lag ms | HTTP ok / sent, p50 / p95 ms | CPU cores | peak RSS MiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const httpLatency = row.http.latencyMs === null ? '–' : `${row.http.latencyMs.p50.toFixed(0)} / ${row.http.latencyMs.p95.toFixed(0)}`;
    out.push(
      `| ${[
        row.system,
        `${row.sessions} × ${row.secondsPerSession}`,
        String(row.httpClients),
        `${row.turns} / ${row.utterances}`,
        String(row.completed),
        String(row.reordered),
        `${row.equalToHttp}/${row.completed}`,
        ms(row.turnLatencyMs),
        ms(row.firstDeltaMs),
        ms(row.afterSpeechMs),
        `${row.earlyTurns.used} / ${row.earlyTurns.cancelled}`,
        row.maxSendLagMs.toFixed(0),
        `${row.http.requests - row.http.failed} / ${row.http.requests}, ${httpLatency}`,
        row.server === null ? '–' : row.server.cpuCores.toFixed(2),
        row.server === null ? '–' : row.server.peakRssMiB.toFixed(0),
      ].join(' | ')} |`,
    );
  }
  const errors = rows.flatMap((row) => Object.entries(row.errors).map(([message, count]) => `- ${row.sessions} sessions: ${count}× ${message}`));
  if (errors.length > 0) out.push('', '## Errors', '', ...errors);
  return out;
}
