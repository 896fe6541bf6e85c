import type { EventStream } from '../sse.js';
import type { AudioIdentity } from './audioTranscripts.js';
import type { ReplySpeaker } from '../../speech/replySpeaker.js';
import { parseChunk } from './upstream.js';

/** The audio a streamed reply is spoken into. */
export interface SpokenStream {
  audio: AudioIdentity;
  /** A speaker whose audio goes to `onAudio`. */
  speaker: (onAudio: (data: Buffer, transcript: string) => void) => ReplySpeaker;
}

interface ChunkChoice {
  index?: unknown;
  delta?: { content?: unknown };
  finish_reason?: unknown;
}

/** What every chunk of one completion repeats. */
interface ChunkHead {
  id: unknown;
  created: unknown;
  model: unknown;
}

function choicesOf(chunk: Record<string, unknown>): ChunkChoice[] {
  return Array.isArray(chunk.choices) ? (chunk.choices as ChunkChoice[]) : [];
}

/** Text the chunk adds to the reply (choice 0; n is 1). */
function contentOf(chunk: Record<string, unknown>): string | undefined {
  const choices = choicesOf(chunk);
  const content = (choices.find((choice) => choice.index === 0) ?? choices[0])?.delta?.content;
  return typeof content === 'string' ? content : undefined;
}

function audioChunk(head: ChunkHead, audio: AudioIdentity, data: Buffer, transcript: string): object {
  const delta = {
    id: audio.id,
    expires_at: audio.expiresAt,
    ...(data.length > 0 ? { data: data.toString('base64') } : {}),
    ...(transcript === '' ? {} : { transcript }),
  };
  return { ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { audio: delta }, finish_reason: null }] };
}

/**
 * Relays the upstream's `chat.completion.chunk`s as they come and resolves with the reply's text. With
 * audio, the text also goes to a speaker, whose audio goes out in chunks of its own,
 * `delta.audio = {id, expires_at, data, transcript}`, as soon as each sentence is spoken. The chunks that
 * end the reply (finish_reason, then usage) wait for the last audio: many clients stop reading at
 * finish_reason.
 */
export async function relayChatStream(upstream: AsyncIterable<string>, events: EventStream, spoken: SpokenStream | undefined): Promise<string> {
  let reply = '';
  let head: ChunkHead = { id: '', created: Math.floor(Date.now() / 1000), model: '' };
  const held: Record<string, unknown>[] = [];
  const speaker = spoken?.speaker((data, transcript) => events.send(audioChunk(head, spoken.audio, data, transcript)));
  try {
    for await (const data of upstream) {
      const chunk = parseChunk(data);
      if (head.id === '' && typeof chunk.id === 'string') head = { id: chunk.id, created: chunk.created, model: chunk.model };
      const content = contentOf(chunk);
      if (content !== undefined) {
        reply += content;
        speaker?.addText(content);
      }
      const ends = choicesOf(chunk).some((choice) => choice.finish_reason !== undefined && choice.finish_reason !== null);
      if (speaker !== undefined && (held.length > 0 || ends)) held.push(chunk);
      else events.send(chunk);
    }
    await speaker?.finish();
  } catch (error) {
    speaker?.abort();
    throw error;
  }
  for (const chunk of held) events.send(chunk);
  return reply;
}
