import { PassThrough } from 'node:stream';

import { OvSpeechError } from '../errors.js';
import { ffmpegBaseArgs, isMissingProgram, spawnFfmpeg } from './ffmpegProcess.js';
import { float32le } from './pcm16.js';
import { EncoderState, type SpeechEncoder } from './speechEncoder.js';

export type FfmpegSpeechFormat = 'mp3' | 'opus' | 'aac' | 'flac';

/**
 * Codec and muxer of each format, chosen to stream: ADTS frames AAC on its own, Ogg pages carry Opus (a
 * page every 100 ms rather than every second, for latency), and mp3 and FLAC need no index. Bit rates
 * suit mono speech.
 */
const CODECS: Record<FfmpegSpeechFormat, string[]> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  opus: ['-c:a', 'libopus', '-b:a', '32k', '-f', 'ogg', '-page_duration', '100000'],
  aac: ['-c:a', 'aac', '-b:a', '64k', '-f', 'adts'],
  flac: ['-c:a', 'flac', '-sample_fmt', 's16', '-f', 'flac'],
};

/**
 * Mono float32 in on stdin at `inputRate`; the encoded stream out on stdout, each packet flushed as soon
 * as it is muxed. The input is described in full, so there is nothing to probe: without the smallest
 * probe size ffmpeg holds back everything until it has read a few seconds of input. The samples come at
 * the rate they are to be encoded at (the speech job resamples them), so ffmpeg resamples nothing, except
 * that libopus picks its own of 8/12/16/24/48 kHz. `+bitexact` and no metadata keep ffmpeg's version out
 * of the file.
 */
export function ffmpegEncodeArgs(format: FfmpegSpeechFormat, sampleRate: number): string[] {
  return [
    ...ffmpegBaseArgs('pipe'),
    '-probesize',
    '32',
    '-f',
    'f32le',
    '-ar',
    String(sampleRate),
    '-ac',
    '1',
    '-i',
    'pipe:0',
    ...CODECS[format],
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    '-flush_packets',
    '1',
    'pipe:1',
  ];
}

/**
 * An ffmpeg encoder. Its stdout is piped into `output`, so a slow reader pauses ffmpeg; writes are not
 * held back, because synthesis cannot pause mid-sentence and a request's audio is bounded by its input
 * text. The output ends only after ffmpeg has exited cleanly, so a failure is never a short success.
 */
export function createFfmpegEncoder(
  format: FfmpegSpeechFormat,
  contentType: string,
  sampleRate: number,
  missingFfmpeg: (cause: Error) => Error,
): SpeechEncoder {
  const { child, stderr } = spawnFfmpeg(ffmpegEncodeArgs(format, sampleRate));
  const output = new PassThrough();
  const state = new EncoderState();
  let failure: Error | undefined;

  child.stdout.pipe(output, { end: false });
  child.on('error', (error) => {
    failure ??= isMissingProgram(error)
      ? missingFfmpeg(error)
      : new OvSpeechError(`Could not start ffmpeg: ${error.message}`, 'INTERNAL', { cause: error });
  });
  child.on('close', (code) => {
    if (state.aborted) return;
    if (failure !== undefined) output.destroy(failure);
    else if (code !== 0)
      output.destroy(new OvSpeechError(`ffmpeg failed to encode ${format} (exit ${code ?? 'by signal'}): ${stderr()}`, 'INTERNAL'));
    else output.end();
  });
  // A reader that goes away stops the encoding.
  output.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  return {
    contentType,
    sampleRate,
    output,
    write(chunk) {
      if (state.writable() && chunk.length > 0) child.stdin.write(float32le(chunk));
    },
    end() {
      if (state.end()) child.stdin.end();
    },
    abort() {
      if (!state.abort()) return;
      child.kill('SIGKILL');
      output.destroy();
    },
  };
}
