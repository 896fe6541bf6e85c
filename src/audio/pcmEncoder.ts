import { PassThrough } from 'node:stream';

import { pcm16 } from './pcm16.js';
import { EncoderState, type SpeechEncoder } from './speechEncoder.js';
import { encodeWav, wavHeader } from './wavWriter.js';

/**
 * 16-bit PCM, raw or as a streamed WAV, encoded here. The WAV header goes out first with its sizes
 * unknown (0xFFFFFFFF), since a stream's length is known only at its end.
 */
export function createPcmEncoder(format: 'wav' | 'pcm', contentType: string, sampleRate: number): SpeechEncoder {
  const output = new PassThrough();
  if (format === 'wav') output.write(wavHeader(sampleRate));
  return pcmOutput(output, contentType, sampleRate, pcm16);
}

/**
 * Each chunk (a sentence) as a WAV file of its own, with its true sizes, one after the other: h2oGPT's
 * `stream_strip: false`, for players that split the stream at each "RIFF".
 */
export function createSentenceWavEncoder(contentType: string, sampleRate: number): SpeechEncoder {
  return pcmOutput(new PassThrough(), contentType, sampleRate, (chunk) => encodeWav(chunk, sampleRate));
}

function pcmOutput(output: PassThrough, contentType: string, sampleRate: number, encode: (chunk: Float32Array) => Buffer): SpeechEncoder {
  const state = new EncoderState();
  return {
    contentType,
    sampleRate,
    output,
    write(chunk) {
      if (state.writable() && chunk.length > 0 && !output.destroyed) output.write(encode(chunk));
    },
    end() {
      if (state.end()) output.end();
    },
    abort() {
      if (state.abort()) output.destroy();
    },
  };
}
