import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { PcmAudio } from '../engine/WhisperEngine.js';
import { OvSpeechError } from '../errors.js';
import { CONTAINER_LABELS, isIsoBmff, type Container } from './container.js';
import { AudioDecodeError, audioTooLong, checkDuration, decodeCancelled, MissingFfmpegError, unrecognizedFormat } from './errors.js';
import { ffmpegBaseArgs, isMissingProgram, spawnFfmpeg } from './ffmpegProcess.js';
import { peekWavLayout, readWavLayout, wavSamples } from './wav.js';

/** The shortest audio a consumer can use: at least `samples` once resampled to `sampleRate`. */
export interface MinimumAudio {
  samples: number;
  sampleRate: number;
}

export interface DecodeLimits {
  /** Longest decoded audio accepted. */
  maxSeconds: number;
  /** Shortest decoded audio accepted; shorter audio is refused as undecodable. */
  minimum?: MinimumAudio | undefined;
  /** Longest decoding may take; ffmpeg is killed then. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * The only demuxers ffmpeg may open: OpenAI's upload formats (mov reads mp4/m4a, matroska reads webm, mpeg
 * is MPEG-PS) plus raw AAC. Playlist and list formats (hls, concat, …) are refused before they parse
 * anything, so an upload cannot make ffmpeg open another file or URL.
 */
export const FFMPEG_INPUT_FORMATS = ['flac', 'mp3', 'mov', 'ogg', 'wav', 'matroska', 'aac', 'mpeg'] as const;

/**
 * The first audio stream goes out on stdout as float32 WAV at its own rate and channel count: the engines
 * resample and down-mix natively with a better filter, and the WAV header (0xFFFFFFFF sizes on a pipe)
 * carries the rate and channels in band, before the samples, in a form our WAV reader parses. That avoids
 * parsing ffmpeg's human-readable log or running it twice. `+bitexact` and no metadata keep the header to
 * fmt and data.
 */
const OUTPUT_ARGS = ['-map', '0:a:0', '-map_metadata', '-1', '-c:a', 'pcm_f32le', '-f', 'wav', '-fflags', '+bitexact', 'pipe:1'];

/**
 * The upload comes on stdin, through the pipe protocol only, and only the whitelisted demuxers may claim
 * it.
 */
export function ffmpegDecodeArgs(): string[] {
  return [...ffmpegBaseArgs('pipe'), '-format_whitelist', FFMPEG_INPUT_FORMATS.join(','), '-i', 'pipe:0', ...OUTPUT_ARGS];
}

/**
 * An ISO-BMFF upload read from `file`, which a pipe cannot replace: its `moov` index may follow the media,
 * and reaching it takes a seek. Only the file protocol is allowed, the mov demuxer is forced (nothing is
 * probed), and its external data references (`dref` aliases to other files) stay off.
 */
export function ffmpegSeekableDecodeArgs(file: string): string[] {
  return [...ffmpegBaseArgs('file'), '-nostdin', '-f', 'mov', '-enable_drefs', '0', '-use_absolute_path', '0', '-i', `file:${file}`, ...OUTPUT_ARGS];
}

/** What ffmpeg's failure means for the client. */
function undecodable(label: string, code: number | null, stderr: string): AudioDecodeError {
  const detail = `ffmpeg exited with ${code ?? 'a signal'}: ${stderr}`;
  if (stderr.includes('not on whitelist')) return unrecognizedFormat({ detail });
  if (stderr.includes('matches no streams')) return new AudioDecodeError(`The ${label} upload has no audio stream`, { detail });
  return new AudioDecodeError(`The ${label} upload could not be decoded; the file may be corrupted or not audio`, { detail });
}

/**
 * Runs `work` on a file holding `bytes`, in a folder of its own that only this process can read (mkdtemp
 * makes it 0700, the file is 0600), removed afterwards whatever happened.
 */
async function withPrivateFile<T>(bytes: Buffer, name: string, work: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ovspeech-upload-'));
  try {
    const file = path.join(dir, name);
    await writeFile(file, bytes, { mode: 0o600, flag: 'wx' });
    return await work(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Decodes an upload in any accepted container with ffmpeg, within the limits. An ISO-BMFF upload (MP4,
 * MOV, M4A) is read from a private temporary file so that ffmpeg can seek to an index at its end; every
 * other upload, and anything merely named .mp4, goes through a pipe.
 */
export async function decodeWithFfmpeg(bytes: Buffer, container: Container, limits: DecodeLimits): Promise<PcmAudio> {
  if (limits.signal?.aborted) throw decodeCancelled(limits.signal);
  const label = CONTAINER_LABELS[container];
  if (isIsoBmff(bytes)) {
    return withPrivateFile(bytes, 'upload.mp4', (file) => runDecoder(ffmpegSeekableDecodeArgs(file), undefined, label, limits));
  }
  return runDecoder(ffmpegDecodeArgs(), bytes, label, limits);
}

/** ffmpeg with `args`, fed `stdin` when given, its WAV output read within the limits. */
function runDecoder(args: string[], stdin: Buffer | undefined, label: string, limits: DecodeLimits): Promise<PcmAudio> {
  const { signal } = limits;
  if (signal?.aborted) return Promise.reject(decodeCancelled(signal));
  const { child, stderr } = spawnFfmpeg(args);

  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () =>
        fail(
          new OvSpeechError(`Decoding the ${label} upload took longer than the limit of ${limits.timeoutMs} ms`, 'INVALID_ARGUMENT', {
            param: 'file',
          }),
        ),
      limits.timeoutMs,
    );
    const onAbort = () => fail(decodeCancelled(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });

    const chunks: Buffer[] = [];
    let received = 0;
    // Output bytes allowed, known once the header has come: the budget is counted as ffmpeg decodes.
    let budget = Infinity;
    child.stdout.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      chunks.push(chunk);
      received += chunk.length;
      try {
        if (budget === Infinity) {
          const layout = peekWavLayout(Buffer.concat(chunks));
          if (layout !== undefined) {
            budget = layout.dataOffset + Math.floor(limits.maxSeconds * layout.sampleRate) * layout.channels * layout.bytesPerSample;
          }
        }
      } catch (error) {
        fail(error as Error); // a throw here would be uncaught
      }
      if (received > budget) fail(audioTooLong(limits.maxSeconds));
    });

    child.on('error', (error) => {
      fail(
        isMissingProgram(error)
          ? new MissingFfmpegError(`Decoding ${label} uploads needs ffmpeg, which is not installed on the server; send WAV or raw PCM`, 'file', {
              cause: error,
            })
          : new OvSpeechError(`Could not start ffmpeg: ${error.message}`, 'INTERNAL', { cause: error }),
      );
    });

    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (failure !== undefined) return reject(failure);
      if (code !== 0) return reject(undecodable(label, code, stderr()));
      try {
        const output = Buffer.concat(chunks);
        chunks.length = 0;
        const layout = readWavLayout(output);
        checkDuration(layout.frames, layout.sampleRate, limits.maxSeconds);
        resolve({ samples: wavSamples(output, layout), sampleRate: layout.sampleRate, channels: layout.channels });
      } catch (error) {
        reject(error);
      }
    });

    child.stdin.end(stdin);
  });
}
