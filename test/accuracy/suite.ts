import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import OpenAI, { toFile } from 'openai';

import { startTestServer, waitForModels } from '../helpers/server.js';
import { type Clip, type Condition, type Sentence } from './corpus.js';
import { runReference } from './pythonEnv.js';
import { wordErrorRate, wordErrors, type WordErrors } from './wer.js';

/** Transcripts by clip id, and how long they took. */
export interface EngineRun {
  engine: string;
  version: string;
  settings: Record<string, unknown>;
  seconds: number;
  transcripts: Record<string, string>;
}

/** A part of the suite that could not run, and why, in one sentence. */
export interface NotRun {
  notRun: string;
}

export type Outcome<T> = T | NotRun;

export function ran<T extends object>(outcome: Outcome<T>): outcome is T {
  return !('notRun' in outcome);
}

/** Where ovspeech's side runs: a server the suite starts on a models folder, or one already running. */
export interface OvspeechTarget {
  /** The models folder; the OpenVINO Whisper folder (for GenAI) is modelsDir/whisperId. */
  modelsDir: string;
  whisperId: string;
  /** A running server's base URL (…/v1 is added); without it the suite starts one on modelsDir. */
  serverUrl?: string;
  /** The speech model of the round trip; by default the first Piper model the started server serves. */
  speechModelId?: string;
}

/** A started or given ovspeech server, with what it serves. */
export interface OvspeechSession {
  client: OpenAI;
  /** The round trip's speech model, or why there is none. */
  speechModel: Outcome<{ id: string }>;
  close(): Promise<void>;
}

export function whisperFolder(target: OvspeechTarget): string {
  return path.resolve(target.modelsDir, target.whisperId);
}

/** Why ovspeech's Whisper cannot be measured, or undefined when it can. */
export function ovspeechUnavailable(target: OvspeechTarget): string | undefined {
  if (target.serverUrl !== undefined) return undefined;
  const folder = whisperFolder(target);
  return existsSync(path.join(folder, 'config.json'))
    ? undefined
    : `no OpenVINO Whisper folder at ${folder} (run \`ovspeech prepare\`, or pass --models DIR --whisper ID)`;
}

export async function openOvspeech(target: OvspeechTarget): Promise<OvspeechSession> {
  if (target.serverUrl !== undefined) {
    const client = new OpenAI({ baseURL: `${target.serverUrl.replace(/\/+$/, '')}/v1`, apiKey: process.env.OVSPEECH_API_KEY ?? 'none' });
    const speechModel =
      target.speechModelId === undefined ? { notRun: 'no --speech-model given for the server at --server' } : { id: target.speechModelId };
    return { client, speechModel, close: async () => {} };
  }
  const server = await startTestServer(path.resolve(target.modelsDir), { requestTimeoutMs: 0 });
  await waitForModels(server);
  const entries = server.registry.list();
  const whisper = entries.find((entry) => entry.id === target.whisperId);
  if (whisper?.state !== 'ready') {
    await server.close();
    throw new Error(`ovspeech did not load ${target.whisperId}: ${whisper?.error?.message ?? 'not found'}`);
  }
  let speechModel: Outcome<{ id: string }>;
  if (target.speechModelId !== undefined) {
    const entry = entries.find((e) => e.id === target.speechModelId);
    speechModel =
      entry?.state === 'ready'
        ? { id: entry.id }
        : { notRun: `speech model ${target.speechModelId} is not served: ${entry?.error?.message ?? 'no such folder'}` };
  } else {
    const piper = entries.find((e) => e.family === 'piper' && e.state === 'ready');
    const families = [...new Set(entries.map((e) => e.family ?? 'unknown'))].join(', ');
    speechModel = piper ? { id: piper.id } : { notRun: `no Piper voice is served from ${target.modelsDir} (families there: ${families})` };
  }
  return { client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'none' }), speechModel, close: () => server.close() };
}

/** The settings of every ovspeech request: greedy, English, no timestamps (the `json` format's default). */
const OVSPEECH_SETTINGS = { language: 'en', temperature: 0, response_format: 'json' } as const;

async function transcribe(client: OpenAI, model: string, name: string, bytes: Uint8Array): Promise<string> {
  const result = await client.audio.transcriptions.create({ file: await toFile(bytes, name), model, ...OVSPEECH_SETTINGS });
  return result.text;
}

/** ovspeech's transcripts of the clips, one request at a time (as the references run), through the openai client. */
export async function ovspeechTranscripts(session: OvspeechSession, whisperId: string, clips: readonly Clip[]): Promise<EngineRun> {
  const started = performance.now();
  const transcripts: Record<string, string> = {};
  for (const clip of clips) transcripts[clip.id] = await transcribe(session.client, whisperId, path.basename(clip.path), readFileSync(clip.path));
  return {
    engine: 'ovspeech',
    version: JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string,
    settings: { model: whisperId, ...OVSPEECH_SETTINGS },
    seconds: (performance.now() - started) / 1000,
    transcripts,
  };
}

/** The voice GET /audio/voices marks as the model's default. */
async function defaultVoice(client: OpenAI, model: string): Promise<string> {
  const response = await fetch(`${client.baseURL}/audio/voices?model=${encodeURIComponent(model)}`, {
    headers: { authorization: `Bearer ${client.apiKey}` },
  });
  const { data } = (await response.json()) as { data: Array<{ name: string; default: boolean }> };
  const voice = data.find((v) => v.default) ?? data[0];
  if (voice === undefined) throw new Error(`${model} lists no voice`);
  return voice.name;
}

/** Each sentence spoken by the speech model (its default voice, WAV), then transcribed by ovspeech's Whisper. */
export async function roundTrip(session: OvspeechSession, whisperId: string, sentences: readonly Sentence[]): Promise<Outcome<EngineRun>> {
  if (!ran(session.speechModel)) return session.speechModel;
  const speechModel = session.speechModel.id;
  const voice = await defaultVoice(session.client, speechModel);
  const started = performance.now();
  const transcripts: Record<string, string> = {};
  for (const sentence of sentences) {
    const speech = await session.client.audio.speech.create({ model: speechModel, voice, input: sentence.text, response_format: 'wav' });
    transcripts[sentence.id] = await transcribe(session.client, whisperId, `${sentence.id}.wav`, new Uint8Array(await speech.arrayBuffer()));
  }
  return {
    engine: 'ovspeech speech → ovspeech Whisper',
    version: '',
    settings: { speechModel, voice, response_format: 'wav', whisper: { model: whisperId, ...OVSPEECH_SETTINGS } },
    seconds: (performance.now() - started) / 1000,
    transcripts,
  };
}

const clipList = (clips: readonly Clip[]) => clips.map(({ id, path }) => ({ id, path }));

export function fasterWhisperTranscripts(ct2Dir: string, clips: readonly Clip[]): Promise<EngineRun> {
  return runReference<EngineRun>(['faster-whisper', ct2Dir], clipList(clips));
}

/** The engine of the suite's part ct2-features in the results. */
export const CT2_FEATURES_ENGINE = 'ctranslate2, Transformers features';

/**
 * CTranslate2 (faster-whisper's engine) on the same model.bin, greedy, fed the log-mel features of
 * Transformers' extractor, which GenAI and ovspeech compute, instead of faster-whisper's own: tells
 * a difference of features from one of weights or decoding.
 */
export function ct2TransformersFeaturesTranscripts(ct2Dir: string, clips: readonly Clip[]): Promise<EngineRun> {
  return runReference<EngineRun>(['ct2-features', ct2Dir, 'transformers'], clipList(clips));
}

export function genaiTranscripts(openvinoDir: string, clips: readonly Clip[]): Promise<EngineRun> {
  return runReference<EngineRun>(['genai', openvinoDir], clipList(clips));
}

/** OpenAI Whisper's EnglishTextNormalizer (openai-whisper, pinned) over every text, in one call. */
export async function normalizeAll(texts: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(texts)];
  const normalized = await runReference<string[]>(['normalize'], unique);
  return new Map(unique.map((text, i) => [text, normalized[i]!]));
}

/** WER of one engine's transcripts for one condition, and the clips it got wrong. */
export interface Score {
  clips: number;
  words: number;
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
}

export function score(items: ReadonlyArray<{ reference: string; hypothesis: string }>, normalized: ReadonlyMap<string, string>): Score {
  const errors: WordErrors[] = items.map(({ reference, hypothesis }) => wordErrors(normalized.get(reference)!, normalized.get(hypothesis)!));
  const sum = (key: keyof WordErrors) => errors.reduce((total, e) => total + e[key], 0);
  return {
    clips: items.length,
    words: sum('words'),
    wer: wordErrorRate(errors),
    substitutions: sum('substitutions'),
    deletions: sum('deletions'),
    insertions: sum('insertions'),
  };
}

/** Pairs of (reference text, transcript) of one engine's run over the clips of one condition. */
export function pairs(run: EngineRun, clips: readonly Clip[], condition: Condition): Array<{ reference: string; hypothesis: string }> {
  return clips
    .filter((clip) => clip.condition === condition)
    .map((clip) => ({ reference: clip.sentence.text, hypothesis: run.transcripts[clip.id]! }));
}

/** Clips whose transcripts differ between two runs (compared with surrounding white space trimmed). */
export function differences(a: EngineRun, b: EngineRun): Array<{ id: string; a: string; b: string }> {
  return Object.keys(a.transcripts)
    .filter((id) => a.transcripts[id]!.trim() !== (b.transcripts[id] ?? '').trim())
    .map((id) => ({ id, a: a.transcripts[id]!, b: b.transcripts[id] ?? '' }));
}
