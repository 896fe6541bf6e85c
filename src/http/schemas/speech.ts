import { OUTPUT_SAMPLE_RATES, SPEECH_FORMATS, type SpeechFormat } from '../../audio/encode.js';
import { SPEECH_LIMITS, type FamilyOptionSpec, type SpeakOptions } from '../../engine/SpeechEngine.js';
import { invalidParameter, OvSpeechError } from '../../errors.js';
import type { ApiDialect } from '../dialect.js';
import type { JsonFields } from '../params/jsonBody.js';

/** How the audio goes out: one file once it is all made, its bytes as they are made, or SSE events. */
export type Delivery = 'whole' | 'audio' | 'sse';

export interface SpeechRequest {
  model: string | undefined;
  input: string;
  /** Characters of `input` (code points): its length as a limit and as usage counts it. */
  characters: number;
  format: SpeechFormat;
  delivery: Delivery;
  /** Rate of the encoded audio, when the client asks for one. */
  sampleRate: number | undefined;
  options: SpeakOptions;
}

/** A voice is a name, or OpenAI's custom-voice object `{"id": ...}`. */
export function readVoice(body: JsonFields): string | undefined {
  const voice = body.value('voice');
  if (voice === undefined || typeof voice === 'string') return voice === '' ? undefined : voice;
  if (typeof voice === 'object' && !Array.isArray(voice) && typeof (voice as { id?: unknown }).id === 'string') return (voice as { id: string }).id;
  throw invalidParameter('voice name or object {"id": name}', body.param('voice'), voice);
}

/** The speech request as `dialect` reads it: its default format applies when the body names none. */
export function readSpeechRequest(body: JsonFields, maxCharacters: number, dialect: ApiDialect): SpeechRequest {
  const input = body.requiredString('input');
  if (input.trim() === '') throw new OvSpeechError('input is empty; give the text to speak', 'INVALID_ARGUMENT', { param: 'input' });
  const characters = [...input].length;
  if (characters > maxCharacters) {
    throw new OvSpeechError(`input has ${characters} characters; at most ${maxCharacters} are allowed`, 'INVALID_ARGUMENT', { param: 'input' });
  }
  // Accepted for OpenAI's clients; SpeechT5 has no way to follow instructions.
  body.string('instructions');
  const streamFormat = body.oneOf('stream_format', ['audio', 'sse'] as const);
  // h2oGPT asks for streamed audio with `stream: true`.
  const delivery: Delivery = streamFormat ?? (body.boolean('stream') ? 'audio' : 'whole');
  const sampleRate = body.integer('sample_rate', 1, 384_000);
  if (sampleRate !== undefined && !(OUTPUT_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
    throw invalidParameter(`one of ${OUTPUT_SAMPLE_RATES.join(', ')}`, 'sample_rate', sampleRate);
  }
  const options: SpeakOptions = {};
  const voice = readVoice(body);
  if (voice !== undefined) options.voice = voice;
  const speed = body.number('speed', SPEECH_LIMITS.minSpeed, SPEECH_LIMITS.maxSpeed);
  if (speed !== undefined) options.speed = speed;
  const format = body.oneOf('response_format', SPEECH_FORMATS) ?? dialect.defaultSpeechFormat;
  return { model: body.string('model'), input, characters, format, delivery, sampleRate, options };
}

/**
 * The model family's own options (SpeechT5's minlenratio, maxlenratio and threshold), from the body's fields
 * of those names: the engine says which there are, so this schema names none of them.
 */
export function readFamilyOptions(body: JsonFields, specs: readonly FamilyOptionSpec[]): Record<string, number> | undefined {
  let options: Record<string, number> | undefined;
  for (const spec of specs) {
    const value = spec.integer ? body.integer(spec.name, spec.min, spec.max) : body.number(spec.name, spec.min, spec.max);
    if (value !== undefined) (options ??= {})[spec.name] = value;
  }
  return options;
}
