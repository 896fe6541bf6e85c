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
  /** Streamed WAV as one standalone file per sentence (h2oGPT's `stream_strip: false`), not one file. */
  standaloneSentences: boolean;
  /**
   * h2oGPT's `speaker`, then `chatbot_role`, when `voice` is empty: the first the model has is the voice.
   * Its clients send the names of h2oGPT's own Coqui and Microsoft voices ("SLT (female)"), which select
   * nothing here: then the model's default voice speaks.
   */
  voiceSelectors: string[];
  options: SpeakOptions;
}

/** h2oGPT's boolean fields, which its documented clients send as true and false or as "true" and "false". */
function h2oBoolean(body: JsonFields, name: string): boolean | undefined {
  const value = body.value(name);
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalidParameter('boolean', body.param(name), value);
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
  const delivery: Delivery = streamFormat ?? (h2oBoolean(body, 'stream') ? 'audio' : 'whole');
  const sampleRate = body.integer('sample_rate', 1, 384_000);
  if (sampleRate !== undefined && !(OUTPUT_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
    throw invalidParameter(`one of ${OUTPUT_SAMPLE_RATES.join(', ')}`, 'sample_rate', sampleRate);
  }
  const options: SpeakOptions = {};
  const voice = readVoice(body);
  const voiceSelectors =
    voice === undefined
      ? [body.string('speaker'), body.string('chatbot_role')].filter((name): name is string => name !== undefined && name !== '')
      : [];
  if (voice !== undefined) options.voice = voice;
  const speed = body.number('speed', SPEECH_LIMITS.minSpeed, SPEECH_LIMITS.maxSpeed);
  if (speed !== undefined) options.speed = speed;
  // h2oGPT's stream_strip (default true): false sends each sentence as a file of its own, for players that
  // split the stream at each "RIFF", in h2oGPT's default format, wav. A header per sentence is a WAV's
  // alone; pcm has none to strip.
  const strip = h2oBoolean(body, 'stream_strip') ?? true;
  const format = body.oneOf('response_format', SPEECH_FORMATS) ?? (strip ? dialect.defaultSpeechFormat : 'wav');
  if (!strip && format !== 'wav' && format !== 'pcm') {
    throw new OvSpeechError(`stream_strip false sends a WAV file per sentence; response_format must be wav, not ${format}`, 'INVALID_ARGUMENT', {
      param: 'stream_strip',
    });
  }
  const standaloneSentences = !strip && format === 'wav' && delivery === 'audio';
  return {
    model: body.string('model'),
    input,
    characters,
    format,
    delivery,
    sampleRate,
    standaloneSentences,
    voiceSelectors: voiceSelectors as string[],
    options,
  };
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
