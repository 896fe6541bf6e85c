import type { SpeechFormat } from '../../audio/encode.js';
import { invalidParameter, OvSpeechError } from '../../errors.js';
import { JsonFields } from '../params/jsonBody.js';
import { readVoice } from '../schemas/speech.js';

/** OpenAI's audio.format values for chat; `pcm16` is what /audio/speech calls `pcm` (24 kHz s16le). */
export const CHAT_AUDIO_FORMATS = ['wav', 'mp3', 'flac', 'opus', 'pcm16', 'aac'] as const;
type ChatAudioFormat = (typeof CHAT_AUDIO_FORMATS)[number];

const SPEECH_FORMAT: Record<ChatAudioFormat, SpeechFormat> = { wav: 'wav', mp3: 'mp3', flac: 'flac', opus: 'opus', pcm16: 'pcm', aac: 'aac' };

/** The fields ovspeech answers itself; the upstream never sees them. */
const OWN_FIELDS = ['transcription_model', 'speech_model', 'audio', 'modalities'] as const;

/** An `input_audio` content part: messages[message].content[part]. */
export interface InputAudioPart {
  message: number;
  part: number;
  /** Its path in the request, for errors: `messages[0].content[1].input_audio`. */
  param: string;
  data: string;
  format: string | undefined;
}

/** An assistant message that refers to an earlier reply's audio by id. */
export interface AssistantAudio {
  message: number;
  id: string;
}

export interface ReplyAudioRequest {
  model: string | undefined;
  voice: string | undefined;
  format: SpeechFormat;
}

export interface ChatRequest {
  stream: boolean;
  inputAudio: InputAudioPart[];
  assistantAudio: AssistantAudio[];
  transcriptionModel: string | undefined;
  /** Set when `modalities` asks for audio. */
  replyAudio: ReplyAudioRequest | undefined;
  /** What goes upstream: a copy without ovspeech's fields, with the model set, and its audio still to replace. */
  upstream: { messages: Record<string, unknown>[] } & Record<string, unknown>;
}

function readMessages(body: JsonFields): Record<string, unknown>[] {
  const messages = body.array('messages');
  if (messages === undefined) throw new OvSpeechError("Missing required parameter: 'messages'.", 'INVALID_ARGUMENT', { param: 'messages' });
  if (messages.length === 0) throw invalidParameter('non-empty array', 'messages', messages);
  messages.forEach((message, index) => {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) throw invalidParameter('object', `messages[${index}]`, message);
  });
  return messages as Record<string, unknown>[];
}

function findInputAudio(messages: Record<string, unknown>[]): InputAudioPart[] {
  return messages.flatMap((message, index) => {
    if (!Array.isArray(message.content)) return [];
    return message.content.flatMap((part: unknown, partIndex) => {
      if (typeof part !== 'object' || part === null || (part as { type?: unknown }).type !== 'input_audio') return [];
      const fields = new JsonFields(part as Record<string, unknown>, `messages[${index}].content[${partIndex}].`).object('input_audio');
      const param = `messages[${index}].content[${partIndex}].input_audio`;
      if (fields === undefined) throw new OvSpeechError(`Missing required parameter: '${param}'.`, 'INVALID_ARGUMENT', { param });
      return [{ message: index, part: partIndex, param, data: fields.requiredString('data'), format: fields.string('format') }];
    });
  });
}

function findAssistantAudio(messages: Record<string, unknown>[]): AssistantAudio[] {
  return messages.flatMap((message, index) => {
    if (message.role !== 'assistant') return [];
    const audio = new JsonFields(message, `messages[${index}].`).object('audio');
    return audio === undefined ? [] : [{ message: index, id: audio.requiredString('id') }];
  });
}

/** `modalities` is ["text"], ["audio"] or both; what else it holds is the upstream's to judge. */
function readModalities(body: JsonFields): string[] {
  const modalities = body.array('modalities') ?? [];
  if (modalities.some((modality) => typeof modality !== 'string'))
    throw invalidParameter('array of strings such as "text" and "audio"', 'modalities', modalities);
  return modalities as string[];
}

function readReplyAudio(body: JsonFields): ReplyAudioRequest {
  const audio = body.object('audio');
  const format = audio?.oneOf('format', CHAT_AUDIO_FORMATS) ?? 'wav';
  return { model: body.string('speech_model'), voice: audio === undefined ? undefined : readVoice(audio), format: SPEECH_FORMAT[format] };
}

/**
 * A chat completion request as ovspeech needs it, checked only where ovspeech acts on it: the rest is
 * the upstream's to check. `upstreamModel` (CHAT_COMPLETION_MODEL) replaces the client's model.
 */
export function readChatRequest(body: JsonFields, upstreamModel: string | undefined): ChatRequest {
  const n = body.integer('n', 1, 128);
  if (n !== undefined && n > 1) {
    throw new OvSpeechError(`n = ${n} is not supported: audio chat answers with one choice`, 'INVALID_ARGUMENT', { param: 'n' });
  }
  const clientModel = body.string('model');
  if (clientModel === undefined && upstreamModel === undefined) {
    throw new OvSpeechError("Missing required parameter: 'model'.", 'INVALID_ARGUMENT', { param: 'model' });
  }
  const messages = readMessages(body);
  const modalities = readModalities(body);

  const upstream = structuredClone(body.raw) as ChatRequest['upstream'];
  for (const field of OWN_FIELDS) delete upstream[field];
  upstream.model = upstreamModel ?? clientModel;
  // Only a modality beyond text and audio is worth passing on; many compatible servers reject the field.
  const otherModalities = modalities.filter((modality) => modality !== 'audio');
  if (otherModalities.some((modality) => modality !== 'text')) upstream.modalities = otherModalities;

  return {
    stream: body.boolean('stream') ?? false,
    inputAudio: findInputAudio(messages),
    assistantAudio: findAssistantAudio(messages),
    transcriptionModel: body.string('transcription_model'),
    replyAudio: modalities.includes('audio') ? readReplyAudio(body) : undefined,
    upstream,
  };
}

/** Puts the transcript where the audio part was, in the upstream's copy of the messages. */
export function replaceInputAudio(request: ChatRequest, part: InputAudioPart, transcript: string): void {
  (request.upstream.messages[part.message]!.content as unknown[])[part.part] = { type: 'text', text: transcript };
}

/**
 * Gives each assistant message that refers to an earlier reply's audio that reply's text. A message
 * that still has its text needs no transcript; one without either cannot be continued.
 */
export function restoreAssistantAudio(request: ChatRequest, transcriptOf: (id: string) => string | undefined): void {
  for (const reference of request.assistantAudio) {
    const message = request.upstream.messages[reference.message]!;
    delete message.audio;
    if (message.content !== undefined && message.content !== null && message.content !== '') continue;
    const transcript = transcriptOf(reference.id);
    if (transcript === undefined) {
      throw new OvSpeechError(
        `The audio ${reference.id} is unknown to this server or has expired; send the assistant's reply as text content`,
        'INVALID_ARGUMENT',
        {
          param: `messages[${reference.message}].audio.id`,
        },
      );
    }
    message.content = transcript;
  }
}
