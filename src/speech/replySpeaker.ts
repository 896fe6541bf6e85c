import { finished } from 'node:stream/promises';

import { createSpeechEncoder, OPENAI_PCM_SAMPLE_RATE, wholeFile, wholeFileEncoding, type SpeechEncoder, type SpeechFormat } from '../audio/encode.js';
import type { Speech, SpeechEngine } from '../engine/SpeechEngine.js';
import { SentenceSplitter } from './sentences.js';

export interface ReplySpeakerOptions {
  engine: SpeechEngine;
  voice: string | undefined;
  format: SpeechFormat;
  /** Longest text one synthesis takes. */
  maxCharacters: number;
  signal: AbortSignal;
  /**
   * Encoded audio as it is made, with the text not yet told: each part of the reply goes with the first
   * audio after it is queued, so the transcripts add up to the reply.
   */
  onAudio: (data: Buffer, transcript: string) => void;
  onSpeech: (speech: Speech) => void;
}

/** Markdown's emphasis, heading and code marks, which a speech model would read out or stumble on. */
const MARKUP = /[*#`~]+/g;
const SPEAKABLE = /[\p{L}\p{N}]/u;

/**
 * Speaks a reply while its text is still arriving: each sentence is synthesized as soon as it is complete,
 * one after the other, into one encoder, so the audio of the whole reply is one stream of `format`.
 * OpenAI's chat audio is 24 kHz in every format.
 */
export class ReplySpeaker {
  readonly #options: ReplySpeakerOptions;
  readonly #splitter: SentenceSplitter;
  readonly #encoder: SpeechEncoder;
  readonly #stopped = new AbortController();
  readonly #signal: AbortSignal;
  #queue: Promise<void> = Promise.resolve();
  #failure: unknown;
  #untold = '';

  constructor(options: ReplySpeakerOptions) {
    this.#options = options;
    this.#splitter = new SentenceSplitter(options.maxCharacters);
    this.#signal = AbortSignal.any([options.signal, this.#stopped.signal]);
    this.#encoder = createSpeechEncoder(options.format, { sampleRate: OPENAI_PCM_SAMPLE_RATE });
    this.#encoder.output.on('data', (data: Buffer) => this.#tell(data));
    // An encoder process that fails ends the reply's audio; finish() reports it.
    this.#encoder.output.on('error', (error) => void (this.#failure ??= error));
  }

  addText(text: string): void {
    for (const sentence of this.#splitter.push(text)) this.#enqueue(sentence);
  }

  /** Speaks what is left, and resolves once the last audio has been handed to onAudio. */
  async finish(): Promise<void> {
    for (const sentence of this.#splitter.flush()) this.#enqueue(sentence);
    await this.#queue;
    if (this.#failure !== undefined) {
      this.#encoder.abort();
      throw this.#failure;
    }
    this.#encoder.end();
    await finished(this.#encoder.output);
    if (this.#untold !== '') this.#tell(Buffer.alloc(0));
  }

  /** Cancels the synthesis under way and drops the audio not yet encoded. */
  abort(): void {
    this.#stopped.abort(new Error('The reply is no longer wanted'));
    this.#encoder.abort();
  }

  #enqueue(sentence: string): void {
    // The queue never rejects: a failure is kept for finish(), and the sentences after it are not spoken.
    this.#queue = this.#queue.then(() => this.#speak(sentence)).catch((error: unknown) => void (this.#failure ??= error));
  }

  async #speak(sentence: string): Promise<void> {
    this.#untold += sentence;
    const text = sentence.replace(MARKUP, '').trim();
    if (this.#failure !== undefined || !SPEAKABLE.test(text)) return;
    const { engine, voice, onSpeech } = this.#options;
    const speech = await engine.synthesize(text, {
      ...(voice === undefined ? {} : { voice }),
      sampleRate: OPENAI_PCM_SAMPLE_RATE,
      collect: false,
      signal: this.#signal,
      onChunk: (chunk) => this.#encoder.write(chunk),
    });
    onSpeech(speech);
  }

  #tell(data: Buffer): void {
    const transcript = this.#untold;
    this.#untold = '';
    this.#options.onAudio(data, transcript);
  }
}

/** The whole reply as one file; a WAV file says its true sizes, as /audio/speech writes it. */
export async function speakWhole(text: string, options: Omit<ReplySpeakerOptions, 'onAudio'>): Promise<Buffer> {
  const parts: Buffer[] = [];
  const speaker = new ReplySpeaker({ ...options, format: wholeFileEncoding(options.format), onAudio: (data) => parts.push(data) });
  speaker.addText(text);
  await speaker.finish();
  return wholeFile(options.format, Buffer.concat(parts), OPENAI_PCM_SAMPLE_RATE);
}
