import { PassThrough } from 'node:stream';

import { pcm16 } from './pcm16.js';
import { EncoderState, type SpeechEncoder } from './speechEncoder.js';
import { wavHeader } from './wavWriter.js';

/**
 * 16-bit PCM, raw or as a streamed WAV, encoded here. The WAV header goes out first with its sizes
 * unknown (0xFFFFFFFF), since a stream's length is known only at its end.
 */
export function createPcmEncoder(format: 'wav' | 'pcm', contentType: string, sampleRate: number): SpeechEncoder {
  const output = new PassThrough();
  const state = new EncoderState();
  if (format === 'wav') output.write(wavHeader(sampleRate));
  return {
    contentType,
    sampleRate,
    output,
    write(chunk) {
      if (state.writable() && chunk.length > 0 && !output.destroyed) output.write(pcm16(chunk));
    },
    end() {
      if (state.end()) output.end();
    },
    abort() {
      if (state.abort()) output.destroy();
    },
  };
}
