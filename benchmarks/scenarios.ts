import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { readWavLayout, wavSamples } from '../src/audio/wav.js';
import { encodeWav } from '../src/audio/wavWriter.js';
import { CLIP_RATE, packageRoot, prepareClips, readSentences } from '../test/accuracy/corpus.js';

/** mixed: stt-short and tts requests in turn from the same clients, to one server serving both. */
export const SCENARIOS = ['stt-short', 'stt-long', 'tts', 'mixed'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/**
 * What a system produced for one input: the transcript (speech to text), or the audio (text to speech): its
 * length, its hash (equal within one system), and its envelope (comparable across runtimes).
 */
export type Output = { text: string } | { samples: number; sha256: string; envelope: number[] };

/** Seconds of audio each value of an envelope covers. */
const ENVELOPE_SECONDS = 0.01;
/**
 * How far two envelopes may differ, in full scale, for the audio to count as the same: the Piper tests' bound on
 * any one sample against onnxruntime (README, Parity), which also bounds a difference of RMS.
 */
export const ENVELOPE_TOLERANCE = 1e-3;

/** The RMS of each 10 ms of s16le audio, in full scale, to 5 decimals. */
function envelope(pcm: Buffer, sampleRate: number): number[] {
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));
  const size = Math.round(sampleRate * ENVELOPE_SECONDS);
  const values: number[] = [];
  for (let start = 0; start < samples.length; start += size) {
    const end = Math.min(samples.length, start + size);
    let sum = 0;
    for (let i = start; i < end; i++) sum += (samples[i]! / 32768) ** 2;
    values.push(Number(Math.sqrt(sum / (end - start)).toFixed(5)));
  }
  return values;
}

/** Whether two systems produced the same output: the same transcript, or audio of the same length whose envelopes agree within ENVELOPE_TOLERANCE. */
export function sameOutput(a: Output, b: Output): boolean {
  if ('text' in a || 'text' in b) return 'text' in a && 'text' in b && a.text === b.text;
  return a.samples === b.samples && a.envelope.every((value, i) => Math.abs(value - b.envelope[i]!) <= ENVELOPE_TOLERANCE);
}

/** One request's outcome. */
export type RequestResult =
  | {
      input: string;
      latencyMs: number;
      /** Time to the first byte of a streamed body; undefined when the request was not streamed. */
      ttfbMs: number | undefined;
      /** Seconds of audio sent (speech to text) or received (text to speech). */
      audioSeconds: number;
      output: Output;
      /** Words in a transcript; 0 for audio. */
      words: number;
    }
  | { input: string; latencyMs: number; error: string };

/** The inputs of a scenario, and how one request of them is sent. */
export interface Workload {
  scenario: ScenarioName;
  /** Which audio audio-seconds per second counts: the input's (speech to text), the output's (text to speech), or both (mixed). */
  audioCounted: 'input' | 'output' | 'input and output';
  /** How requests are streamed, which makes time to first byte measurable ("none": not streamed). */
  stream: string;
  /** What the inputs are and the request fields, for the results. */
  description: Record<string, unknown>;
  inputIds: readonly string[];
  /** Sends the input at `index` (modulo the number of inputs) to the server at `url`. */
  send(url: string, index: number): Promise<RequestResult>;
}

export interface WorkloadOptions {
  sttModel: string;
  ttsModel: string;
  /** Whether requests are streamed: transcriptions with stream=true (SSE), speech with this stream_format. */
  stream: 'none' | 'sse' | 'audio';
  /** The rate speech is asked for: the voice's own, so that no system resamples. */
  ttsSampleRate: number;
}

/** stt-short's clips: espeak-ng speech of the accuracy suite's sentences, kept when 3 to 10 s long. */
export const SHORT_CLIP_SECONDS = { min: 3, max: 10 } as const;
const clipsDir = path.join(packageRoot, '.cache', 'bench', 'clips');

/** The sentences of a tts input: 1 to 5 consecutive sentences of the accuracy suite's list, in turn. */
const TTS_INPUTS = 20;
const TTS_MAX_SENTENCES = 5;

/** stt-long's requests: this much continuous speech each, the corpus's clips one after another from a different start. */
const LONG_SECONDS = 300;
const LONG_INPUTS = 4;
/** Silence between two sentences of a long clip, as between sentences read aloud. */
const LONG_GAP_SECONDS = 0.4;

export async function makeWorkload(scenario: ScenarioName, options: WorkloadOptions): Promise<Workload> {
  if (scenario === 'tts') return speechWorkload(options);
  if (scenario === 'mixed') {
    const streamed = options.stream !== 'none';
    return mixedWorkload(
      await makeWorkload('stt-short', { ...options, stream: streamed ? 'sse' : 'none' }),
      speechWorkload({ ...options, stream: streamed ? 'audio' : 'none' }),
    );
  }
  if (scenario === 'stt-long') {
    const description = `${LONG_INPUTS} clips of ${LONG_SECONDS} s: the corpus's clean espeak-ng clips one after another with ${LONG_GAP_SECONDS} s between, each from another sentence`;
    return transcriptionWorkload('stt-long', longClips(), description, options);
  }
  const clips = corpusClips().filter((clip) => clip.seconds >= SHORT_CLIP_SECONDS.min && clip.seconds <= SHORT_CLIP_SECONDS.max);
  if (clips.length === 0) throw new Error(`no clip of the accuracy sentences is ${SHORT_CLIP_SECONDS.min} to ${SHORT_CLIP_SECONDS.max} s long`);
  const description = `${clips.length} espeak-ng clips of test/accuracy/sentences.txt (clean), ${SHORT_CLIP_SECONDS.min}–${SHORT_CLIP_SECONDS.max} s, 16 kHz WAV`;
  return transcriptionWorkload('stt-short', clips, description, options);
}

/**
 * Transcriptions and speech in turn: request i is a transcription when i is even, else speech. Each kind
 * streams as its own scenario does (transcriptions as SSE, speech as audio), or neither with --stream none.
 */
function mixedWorkload(transcriptions: Workload, speech: Workload): Workload {
  const count = 2 * Math.max(transcriptions.inputIds.length, speech.inputIds.length);
  return {
    scenario: 'mixed',
    audioCounted: 'input and output',
    stream: transcriptions.stream === 'none' ? 'none' : `${transcriptions.stream} and ${speech.stream}`,
    description: {
      inputs: `in turn, a transcription of ${String(transcriptions.description.inputs)}, and speech of ${String(speech.description.inputs)}`,
      transcriptions: transcriptions.description,
      speech: speech.description,
    },
    inputIds: Array.from({ length: count }, (_, i) => {
      const part = mixedPart(transcriptions, speech, i);
      return part.workload.inputIds[part.index % part.workload.inputIds.length]!;
    }),
    send(url, index) {
      const { workload, index: inner } = mixedPart(transcriptions, speech, index);
      return workload.send(url, inner);
    },
  };
}

/** Which workload request `index` of a mixed run goes to, and its index there. */
function mixedPart(transcriptions: Workload, speech: Workload, index: number): { workload: Workload; index: number } {
  return index % 2 === 0 ? { workload: transcriptions, index: index / 2 } : { workload: speech, index: (index - 1) / 2 };
}

interface AudioClip {
  id: string;
  /** A 16 kHz mono 16-bit WAV file. */
  bytes: Buffer;
  seconds: number;
}

/** A clip's samples. */
export const clipSamples = (clip: AudioClip): Float32Array => wavSamples(clip.bytes, readWavLayout(clip.bytes));

/** The clean clips of every sentence of the accuracy corpus, made (and cached) by its corpus.ts. */
export function corpusClips(): AudioClip[] {
  return prepareClips(readSentences(), clipsDir, ['clean']).map((clip) => {
    const bytes = readFileSync(clip.path);
    const layout = readWavLayout(bytes);
    return { id: clip.id, bytes, seconds: layout.frames / layout.sampleRate };
  });
}

/** LONG_INPUTS clips of LONG_SECONDS, each the corpus's clips in turn from its own first sentence, cut at LONG_SECONDS. */
function longClips(): AudioClip[] {
  const corpus = corpusClips().map(clipSamples);
  const gap = new Float32Array(Math.round(LONG_GAP_SECONDS * CLIP_RATE));
  const length = LONG_SECONDS * CLIP_RATE;
  return Array.from({ length: LONG_INPUTS }, (_, i) => {
    const samples = new Float32Array(length);
    let filled = 0;
    for (let k = Math.floor((i * corpus.length) / LONG_INPUTS); filled < length; k = (k + 1) % corpus.length) {
      for (const part of [corpus[k]!, gap]) {
        samples.set(part.subarray(0, length - filled), filled);
        filled += Math.min(part.length, length - filled);
      }
    }
    return { id: `long${i + 1}`, bytes: encodeWav(samples, CLIP_RATE), seconds: LONG_SECONDS };
  });
}

function transcriptionWorkload(scenario: ScenarioName, clips: readonly AudioClip[], inputs: string, options: WorkloadOptions): Workload {
  const fields = { model: options.sttModel, language: 'en', temperature: '0', response_format: 'json', stream: String(options.stream !== 'none') };
  return {
    scenario,
    audioCounted: 'input',
    stream: options.stream === 'none' ? 'none' : 'sse',
    description: {
      inputs,
      audioSeconds: clips.reduce((total, clip) => total + clip.seconds, 0),
      fields,
    },
    inputIds: clips.map((clip) => clip.id),
    async send(url, index) {
      const clip = clips[index % clips.length]!;
      const form = new FormData();
      form.set('file', new Blob([clip.bytes], { type: 'audio/wav' }), `${clip.id}.wav`);
      for (const [name, value] of Object.entries(fields)) form.set(name, value);
      const started = performance.now();
      const response = await fetch(`${url}/v1/audio/transcriptions`, { method: 'POST', body: form });
      const body = await readBody(response, started);
      const latencyMs = performance.now() - started;
      if (!response.ok) return { input: clip.id, latencyMs, error: errorText(response.status, body.bytes) };
      const text = options.stream === 'none' ? (JSON.parse(body.bytes.toString('utf8')) as { text: string }).text : streamedTranscript(body.bytes);
      return {
        input: clip.id,
        latencyMs,
        ttfbMs: options.stream === 'none' ? undefined : body.ttfbMs,
        audioSeconds: clip.seconds,
        output: { text },
        words: text.split(/\s+/).filter((word) => word !== '').length,
      };
    },
  };
}

function speechWorkload(options: WorkloadOptions): Workload {
  // Without the 3 sentences with digits: ovspeech spells numbers out before espeak-ng ("1952" as "nineteen
  // fifty-two"), Piper leaves them to espeak-ng ("one thousand nine hundred and fifty-two"), so their audio
  // would differ by design, not by runtime.
  const sentences = readSentences()
    .map((s) => s.text)
    .filter((text) => !/\d/.test(text));
  const inputs = Array.from({ length: TTS_INPUTS }, (_, i) => {
    const count = (i % TTS_MAX_SENTENCES) + 1;
    const first = (i * 3) % (sentences.length - TTS_MAX_SENTENCES);
    return { id: `t${String(i + 1).padStart(2, '0')}-${count}s`, text: sentences.slice(first, first + count).join(' ') };
  });
  // pcm is s16le mono, made in-process (no ffmpeg): its length tells the seconds of audio made. Piper's noise
  // is off, so that every system's audio is the same function of the text and outputs can be compared.
  const fields = {
    model: options.ttsModel,
    response_format: 'pcm',
    sample_rate: options.ttsSampleRate,
    noise_scale: 0,
    noise_w: 0,
    ...(options.stream === 'none' ? {} : { stream_format: options.stream }),
  };
  return {
    scenario: 'tts',
    audioCounted: 'output',
    stream: options.stream,
    description: {
      inputs: `${inputs.length} texts of 1–${TTS_MAX_SENTENCES} consecutive sentences without digits of test/accuracy/sentences.txt`,
      fields,
    },
    inputIds: inputs.map((input) => input.id),
    async send(url, index) {
      const input = inputs[index % inputs.length]!;
      const started = performance.now();
      const response = await fetch(`${url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...fields, input: input.text }),
      });
      const body = await readBody(response, started);
      const latencyMs = performance.now() - started;
      if (!response.ok) return { input: input.id, latencyMs, error: errorText(response.status, body.bytes) };
      const pcm = options.stream === 'sse' ? streamedAudio(body.bytes) : body.bytes;
      const samples = pcm.length / 2;
      return {
        input: input.id,
        latencyMs,
        ttfbMs: options.stream === 'none' ? undefined : body.ttfbMs,
        audioSeconds: samples / options.ttsSampleRate,
        output: { samples, sha256: createHash('sha256').update(pcm).digest('hex'), envelope: envelope(pcm, options.ttsSampleRate) },
        words: 0,
      };
    },
  };
}

/** The whole body, and when its first byte came (ms after `started`). */
async function readBody(response: Response, started: number): Promise<{ bytes: Buffer; ttfbMs: number }> {
  const chunks: Buffer[] = [];
  let ttfbMs = Number.NaN;
  for await (const chunk of response.body ?? []) {
    if (chunks.length === 0) ttfbMs = performance.now() - started;
    chunks.push(Buffer.from(chunk));
  }
  return { bytes: Buffer.concat(chunks), ttfbMs };
}

function errorText(status: number, body: Buffer): string {
  try {
    return `${status} ${(JSON.parse(body.toString('utf8')) as { error: { message: string } }).error.message}`;
  } catch {
    return `${status} ${body.toString('utf8').slice(0, 200)}`;
  }
}

/** The JSON `data:` events of a text/event-stream body. */
function events(body: Buffer): Array<Record<string, unknown>> {
  return body
    .toString('utf8')
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => JSON.parse(event.slice('data: '.length)) as Record<string, unknown>);
}

function failedEvent(all: ReadonlyArray<Record<string, unknown>>): void {
  const failure = all.find((event) => event.type === 'error');
  if (failure !== undefined) throw new Error(`the stream ended in an error: ${JSON.stringify(failure)}`);
}

/** The text of a streamed transcription's transcript.text.done event. */
function streamedTranscript(body: Buffer): string {
  const all = events(body);
  failedEvent(all);
  const done = all.find((event) => event.type === 'transcript.text.done');
  if (typeof done?.text !== 'string') throw new Error('the transcription stream has no transcript.text.done event');
  return done.text;
}

/** The audio of a speech SSE stream's speech.audio.delta events. */
function streamedAudio(body: Buffer): Buffer {
  const all = events(body);
  failedEvent(all);
  return Buffer.concat(all.filter((event) => event.type === 'speech.audio.delta').map((event) => Buffer.from(String(event.audio), 'base64')));
}
