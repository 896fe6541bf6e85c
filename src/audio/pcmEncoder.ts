import { PassThrough } from 'node:stream';

import { pcm16 } from './pcm16.js';
import { Resampler } from './resample.js';
import { EncoderState, type SpeechEncoder } from './speechEncoder.js';
import { wavHeader } from './wavWriter.js';

/**
 * 16-bit PCM, raw or as a streamed WAV, encoded here. The WAV header goes out first with its sizes
 * unknown (0xFFFFFFFF), since a stream's length is known only at its end.
 */
export function createPcmEncoder(format: 'wav' | 'pcm', contentType: string, inputRate: number, outputRate: number): SpeechEncoder {
  const output = new PassThrough();
  const resampler = inputRate === outputRate ? undefined : new Resampler(inputRate, outputRate);
  const state = new EncoderState();
  const emit = (samples: Float32Array) => {
    if (samples.length > 0 && !output.destroyed) output.write(pcm16(samples));
  };
  if (format === 'wav') output.write(wavHeader(outputRate));
  return {
    contentType,
    sampleRate: outputRate,
    output,
    write(chunk) {
      if (state.writable()) emit(resampler ? resampler.push(chunk) : chunk);
    },
    end() {
      if (!state.end()) return;
      if (resampler) emit(resampler.flush());
      output.end();
    },
    abort() {
      if (state.abort()) output.destroy();
    },
  };
}
