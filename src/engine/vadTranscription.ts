import type { SpeechSpan, VadEngine, VadOptions } from './VadEngine.js';
import type { NativeTimings } from '../native/AddonTypes.js';
import type { PcmAudio, TranscribeOptions, Transcription, TranscriptionTimings, WhisperEngine } from './WhisperEngine.js';

/** Whisper's window: a chunk of speech is transcribed in one window. */
const WINDOW_SECONDS = 30;
/**
 * Silence put between two spans of a chunk: Whisper hears the break, and starts its next segment after
 * it rather than where the last one ended (a time in it maps to the span after it, or an end to the span
 * before it).
 */
export const SPAN_GAP_SECONDS = 0.5;

/** Speech spans transcribed together: their audio joined with SPAN_GAP_SECONDS of silence between them, the rest of the silence left out. */
export interface SpeechChunk {
  spans: SpeechSpan[];
}

/** Consecutive spans, grouped while their speech and the gaps between them add up to one window at most (a span is never longer). */
export function groupSpans(spans: readonly SpeechSpan[], windowSeconds = WINDOW_SECONDS): SpeechChunk[] {
  const chunks: SpeechChunk[] = [];
  let current: SpeechSpan[] = [];
  let length = 0;
  for (const span of spans) {
    const spanLength = span.end - span.start;
    if (current.length > 0 && length + SPAN_GAP_SECONDS + spanLength > windowSeconds) {
      chunks.push({ spans: current });
      current = [];
      length = 0;
    }
    length += (current.length > 0 ? SPAN_GAP_SECONDS : 0) + spanLength;
    current.push(span);
  }
  if (current.length > 0) chunks.push({ spans: current });
  return chunks;
}

/** A chunk's audio: its spans' samples with SPAN_GAP_SECONDS of silence between them, in the input's rate and channels. */
export function chunkAudio(audio: PcmAudio, chunk: SpeechChunk): PcmAudio {
  const frames = (seconds: number) => Math.min(Math.round(seconds * audio.sampleRate), audio.samples.length / audio.channels);
  const pieces = chunk.spans.map((span) => audio.samples.subarray(frames(span.start) * audio.channels, frames(span.end) * audio.channels));
  const gap = spanGapSamples(audio.sampleRate) * audio.channels;
  const samples = new Float32Array(pieces.reduce((n, piece) => n + piece.length, 0) + gap * (pieces.length - 1));
  let at = 0;
  for (const piece of pieces) {
    samples.set(piece, at);
    at += piece.length + gap;
  }
  return { samples, sampleRate: audio.sampleRate, channels: audio.channels };
}

const spanGapSamples = (sampleRate: number) => Math.round(SPAN_GAP_SECONDS * sampleRate);

/**
 * Seconds in a chunk's audio (at `sampleRate`) to seconds in the input: a time falls in the span it is
 * read from. A time in the gap after a span is the next span's start, or this span's end for an end.
 * Whisper's times are coarse (20 ms steps, and a segment may start where the last one ended), and the
 * last and first `slack` seconds of spans that meet are padding, not speech: a start there belongs to the
 * next span, an end there to the one before.
 */
export function toInputTime(chunk: SpeechChunk, seconds: number, isEnd: boolean, sampleRate: number, slack = 0): number {
  const gap = spanGapSamples(sampleRate) / sampleRate;
  let offset = 0;
  for (const [i, span] of chunk.spans.entries()) {
    const length = span.end - span.start;
    const last = i === chunk.spans.length - 1;
    const inSpan = isEnd ? seconds <= offset + length + gap + slack : seconds < offset + length - slack;
    if (inSpan || last) return span.start + Math.min(Math.max(seconds - offset, 0), last ? Infinity : length);
    offset += length + gap;
  }
  return seconds;
}

/** The shortest piece transcribeIntervals() cuts. */
const MIN_INTERVAL_SECONDS = 1;

/** At most this much of a span's padding is taken for Whisper's coarse times (toInputTime). */
const MAX_SLACK_SECONDS = 0.2;

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

function inInputTime(
  result: Transcription,
  chunk: SpeechChunk,
  firstId: number,
  sampleRate: number,
  slack: number,
): Pick<Transcription, 'segments' | 'words'> {
  const toInput = (seconds: number, isEnd: boolean) => round(toInputTime(chunk, seconds, isEnd, sampleRate, slack));
  return {
    segments: result.segments.map((segment, i) => ({
      ...segment,
      id: firstId + i,
      // Whisper's seek counts 10 ms mel frames from the start of the audio.
      seek: Math.round(toInputTime(chunk, segment.seek / 100, false, sampleRate) * 100),
      start: toInput(segment.start, false),
      end: toInput(segment.end, true),
    })),
    words: result.words.map((word) => ({
      ...word,
      start: toInput(word.start, false),
      end: toInput(word.end, true),
    })),
  };
}

function sumTimings(all: readonly TranscriptionTimings[], vadMs: number | undefined, totalMs: number): TranscriptionTimings {
  const sum = (key: keyof NativeTimings) => all.reduce((n, timings) => n + timings[key], 0);
  return {
    queuedMs: all[0]?.queuedMs ?? 0,
    featuresMs: sum('featuresMs'),
    encoderMs: sum('encoderMs'),
    decoderMs: sum('decoderMs'),
    decodedTokens: sum('decodedTokens'),
    wordTimestampsMs: sum('wordTimestampsMs'),
    ...(vadMs === undefined ? {} : { vadMs }),
    totalMs,
  };
}

/** How a transcription's audio was cut: the chunks, and what cutting it took. */
interface CutAudio {
  chunks: SpeechChunk[];
  /** Seconds of the upload. */
  duration: number;
  /** Seconds at the ends of the chunks' spans that are padding, not speech (toInputTime). */
  slack: number;
  vadMs?: number;
}

/**
 * Transcribes `cut`'s chunks on `whisper`; every time in the result is in the input's time. The first
 * chunk finds the language when none is given, and the other chunks run at once in that language (the
 * engine batches their decoder steps). Text and segments reach onText and onSegment chunk by chunk, in
 * order, each as soon as it and those before it are done.
 */
async function transcribeChunks(
  whisper: WhisperEngine,
  audio: PcmAudio,
  cut: CutAudio,
  options: TranscribeOptions,
  started: number,
): Promise<Transcription> {
  const { signal, onText, onSegment, prompt, ...whisperOptions } = options;
  const { chunks } = cut;
  const run = (chunk: SpeechChunk, language: string | undefined, index: number) =>
    whisper.transcribe(chunkAudio(audio, chunk), {
      ...whisperOptions,
      ...(language === undefined ? {} : { language }),
      // The prompt leads into the first chunk only.
      ...(index > 0 || prompt === undefined ? {} : { prompt }),
      ...(signal === undefined ? {} : { signal }),
    });

  const results: Transcription[] = [];
  const parts: Pick<Transcription, 'segments' | 'words'>[] = [];
  const publish = (result: Transcription, chunk: SpeechChunk) => {
    const firstId = parts.reduce((n, part) => n + part.segments.length, 0);
    const part = inInputTime(result, chunk, firstId, audio.sampleRate, cut.slack);
    results.push(result);
    parts.push(part);
    if (result.text !== '') onText?.(results.length > 1 && result.text[0] !== ' ' ? ` ${result.text}` : result.text, result.logprobs);
    for (const segment of part.segments) onSegment?.(segment);
  };
  if (chunks.length > 0) {
    const first = await run(chunks[0]!, whisperOptions.language, 0);
    publish(first, chunks[0]!);
    const language = whisperOptions.language ?? first.language;
    const rest = chunks.slice(1).map((chunk, i) => run(chunk, language, i + 1));
    // Awaited in order below; a failure is thrown there, and the request's signal stops the others.
    for (const running of rest) running.catch(() => undefined);
    for (const [i, running] of rest.entries()) publish(await running, chunks[i + 1]!);
  }

  const text = results
    .map((result) => result.text.trim())
    .filter((part) => part !== '')
    .join(' ');
  const logprobs = options.logprobs ? results.flatMap((result) => result.logprobs ?? []) : undefined;
  return {
    text,
    // Whisper's own default when there is no speech to find the language from.
    language: results[0]?.language ?? whisperOptions.language ?? 'en',
    languageProbability: results[0]?.languageProbability ?? 0,
    duration: cut.duration,
    tokens: results.flatMap((result) => result.tokens),
    tokenLogprobs: results.flatMap((result) => result.tokenLogprobs),
    segments: parts.flatMap((part) => part.segments),
    words: parts.flatMap((part) => part.words),
    ...(logprobs === undefined ? {} : { logprobs }),
    timings: sumTimings(
      results.map((result) => result.timings),
      cut.vadMs,
      performance.now() - started,
    ),
  };
}

/**
 * Transcribes only where `vad` finds speech, as OpenAI's chunking_strategy "auto" and "server_vad" do:
 * the spans of speech are grouped into chunks of one window at most, with the silence between them left
 * out. Input with no speech gives empty text.
 */
export async function transcribeSpeech(
  whisper: WhisperEngine,
  vad: VadEngine,
  audio: PcmAudio,
  options: TranscribeOptions,
  vadOptions: VadOptions,
): Promise<Transcription> {
  const started = performance.now();
  const padMs = vadOptions.speechPadMs ?? 30;
  const detected = await vad.detectSpeech(audio.samples, audio.sampleRate, audio.channels, {
    ...vadOptions,
    // Padded on both sides, a span still fits in one window.
    maxSpeechMs: WINDOW_SECONDS * 1000 - 2 * padMs,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const cut = {
    chunks: groupSpans(detected.spans),
    duration: detected.duration,
    slack: Math.min(padMs / 1000, MAX_SLACK_SECONDS),
    vadMs: performance.now() - started,
  };
  return transcribeChunks(whisper, audio, cut, options, started);
}

/** Transcribes the audio in pieces of `seconds` each, one after the other (h2oGPT's `chunk` of milliseconds). */
export async function transcribeIntervals(
  whisper: WhisperEngine,
  audio: PcmAudio,
  options: TranscribeOptions,
  seconds: number,
): Promise<Transcription> {
  const duration = audio.samples.length / audio.channels / audio.sampleRate;
  const chunks: SpeechChunk[] = [];
  for (let start = 0; start < duration; start += seconds) {
    const end = Math.min(start + seconds, duration);
    // A last piece too short for Whisper's features (or to say anything) joins the one before.
    if (end - start < MIN_INTERVAL_SECONDS && chunks.length > 0) chunks.at(-1)!.spans[0]!.end = end;
    else chunks.push({ spans: [{ start, end }] });
  }
  return transcribeChunks(whisper, audio, { chunks, duration, slack: 0 }, options, performance.now());
}
