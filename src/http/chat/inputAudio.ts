import { AudioDecodeError, decodeAudio, type DecodeLimits } from '../../audio/decode.js';
import type { Transcription, WhisperEngine } from '../../engine/WhisperEngine.js';
import { OvSpeechError } from '../../errors.js';
import { ApiError } from '../errors.js';
import type { InputAudioPart } from './chatRequest.js';

/** Canonical, padded base64: Buffer.from() would skip anything else silently and decode noise. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function audioBytes(part: InputAudioPart): Buffer {
  if (part.data === '' || !BASE64.test(part.data)) {
    throw new OvSpeechError(`${part.param}.data must be the audio file encoded as base64`, 'INVALID_ARGUMENT', { param: `${part.param}.data` });
  }
  return Buffer.from(part.data, 'base64');
}

/** A decoding error names the upload `file`; here the audio is a content part. */
function atPart(error: unknown, part: InputAudioPart): unknown {
  const param = `${part.param}.data`;
  if (error instanceof AudioDecodeError) return new ApiError(422, error.message, 'invalid_request_error', 'invalid_audio', param);
  if (error instanceof OvSpeechError && error.param === 'file') return new OvSpeechError(error.message, error.code, { param, cause: error });
  return error;
}

async function transcribePart(part: InputAudioPart, engine: WhisperEngine, limits: DecodeLimits & { signal: AbortSignal }): Promise<Transcription> {
  try {
    // The format is a hint only: the bytes say what they are.
    const hint = part.format === undefined ? {} : { filename: `audio.${part.format}` };
    const audio = await decodeAudio(audioBytes(part), hint, limits);
    // No timestamps: the text is all a chat needs, and Whisper decodes faster without them.
    return await engine.transcribe(audio, { timestampGranularities: [], signal: limits.signal });
  } catch (error) {
    throw atPart(error, part);
  }
}

/**
 * The transcripts of the request's audio parts, in their order, queued at once on the engine's workers.
 * The first failure cancels the others.
 */
export async function transcribeInputAudio(parts: InputAudioPart[], engine: WhisperEngine, limits: DecodeLimits): Promise<Transcription[]> {
  const failed = new AbortController();
  const signal = limits.signal === undefined ? failed.signal : AbortSignal.any([limits.signal, failed.signal]);
  return Promise.all(
    parts.map((part) =>
      transcribePart(part, engine, { ...limits, signal }).catch((error: unknown) => {
        failed.abort(error);
        throw error;
      }),
    ),
  );
}
