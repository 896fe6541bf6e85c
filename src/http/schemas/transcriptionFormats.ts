import type { Segment, Transcription, Word } from '../../engine/WhisperEngine.js';
import { languageName } from './languages.js';

export const RESPONSE_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

/** OpenAI's usage for audio input priced by duration. */
export function durationUsage(result: Transcription) {
  return { type: 'duration' as const, seconds: Math.ceil(result.duration) };
}

/** OpenAI's segment object, from an engine segment; an unclosed last segment ends with the audio. */
function segmentObject(segment: Segment, duration: number) {
  return {
    id: segment.id,
    seek: segment.seek,
    start: segment.start,
    end: segment.end < 0 ? duration : segment.end,
    text: segment.text,
    tokens: segment.tokens,
    temperature: segment.temperature,
    avg_logprob: segment.avgLogprob,
    compression_ratio: segment.compressionRatio,
    no_speech_prob: segment.noSpeechProb,
  };
}

function wordObject(word: Word) {
  return { word: word.word, start: word.start, end: word.end };
}

export interface FormatOptions {
  task: 'transcribe' | 'translate';
  words: boolean;
  segments: boolean;
  /** include[]=logprobs: the result's token logprobs go into json. */
  logprobs?: boolean;
}

/** The body of a non-streaming response, and its content type. */
export function formatTranscription(format: ResponseFormat, result: Transcription, options: FormatOptions): { type: string; body: string | object } {
  switch (format) {
    case 'json':
      return {
        type: 'application/json',
        body: { text: result.text, ...(options.logprobs ? { logprobs: result.logprobs ?? [] } : {}), usage: durationUsage(result) },
      };
    case 'verbose_json':
      return {
        type: 'application/json',
        body: {
          task: options.task,
          language: languageName(result.language),
          duration: result.duration,
          text: result.text,
          ...(options.segments ? { segments: result.segments.map((s) => segmentObject(s, result.duration)) } : {}),
          ...(options.words ? { words: result.words.map(wordObject) } : {}),
          usage: durationUsage(result),
        },
      };
    case 'text':
      return { type: 'text/plain; charset=utf-8', body: `${result.text.trim()}\n` };
    case 'srt':
      return { type: 'application/x-subrip; charset=utf-8', body: subtitles(result, 'srt') };
    case 'vtt':
      return { type: 'text/vtt; charset=utf-8', body: subtitles(result, 'vtt') };
  }
}

/** 00:01:02,345 (SRT) or 00:01:02.345 (WebVTT). */
function timestamp(seconds: number, separator: ',' | '.'): string {
  const total = Math.max(0, Math.round(seconds * 1000));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor(total / 60_000) % 60;
  const secs = Math.floor(total / 1000) % 60;
  const millis = total % 1000;
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(secs, 2)}${separator}${pad(millis, 3)}`;
}

/** One cue per segment; blank segments are left out, times never run backwards or past the audio. */
function subtitles(result: Transcription, kind: 'srt' | 'vtt'): string {
  const separator = kind === 'srt' ? ',' : '.';
  const cues: string[] = [];
  let previousEnd = 0;
  for (const segment of result.segments) {
    // A blank line would end the cue early and "-->" would read as a timing line.
    const text = segment.text
      .trim()
      .replace(/\n\s*\n/g, '\n')
      .replaceAll('-->', '->');
    if (text === '') continue;
    const start = Math.min(Math.max(segment.start, previousEnd), result.duration);
    const end = Math.min(Math.max(segment.end < 0 ? result.duration : segment.end, start), result.duration);
    previousEnd = end;
    const timing = `${timestamp(start, separator)} --> ${timestamp(end, separator)}`;
    cues.push(kind === 'srt' ? `${cues.length + 1}\n${timing}\n${text}\n` : `${timing}\n${text}\n`);
  }
  return kind === 'srt' ? cues.join('\n') : `WEBVTT\n\n${cues.join('\n')}`;
}
