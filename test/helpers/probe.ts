import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { tempDir } from './irFolder.js';

export interface ProbedStream {
  codec: string;
  sampleRate: number;
  channels: number;
  /** Seconds, from decoding the whole file (a stream's header may not know it). */
  duration: number;
}

function writeTemp(bytes: Buffer | string, extension: string): string {
  const file = path.join(tempDir('probe'), `file.${extension}`);
  writeFileSync(file, bytes);
  return file;
}

/**
 * What ffprobe reads in an audio file, after ffmpeg has decoded all of it without a single complaint:
 * a file that only starts well fails here.
 */
export function probeAudio(bytes: Buffer, extension: string, inputArgs: string[] = []): ProbedStream {
  const file = writeTemp(bytes, extension);
  const decoded = spawnSync('ffmpeg', ['-v', 'error', ...inputArgs, '-i', file, '-f', 'f32le', '-ac', '1', '-'], { maxBuffer: 1 << 28 });
  const complaints = decoded.stderr.toString().trim();
  if (decoded.status !== 0 || complaints !== '') throw new Error(`ffmpeg could not decode the ${extension} file: ${complaints}`);
  const out = execFileSync('ffprobe', ['-v', 'error', ...inputArgs, '-select_streams', 'a:0', '-show_entries', 'stream=codec_name,sample_rate,channels', '-of', 'json', file], {
    encoding: 'utf8',
  });
  const stream = (JSON.parse(out) as { streams: { codec_name: string; sample_rate: string; channels: number }[] }).streams[0];
  if (stream === undefined) throw new Error('ffprobe found no audio stream');
  const sampleRate = Number(stream.sample_rate);
  return { codec: stream.codec_name, sampleRate, channels: stream.channels, duration: decoded.stdout.length / 4 / sampleRate };
}

/** The subtitle codec ffprobe finds in a subtitle file, and the cues ffmpeg reads from it. */
export function probeSubtitles(text: string, extension: 'srt' | 'vtt'): { codec: string; cues: number } {
  const file = writeTemp(text, extension);
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:packet=pts', '-of', 'json', file], { encoding: 'utf8' });
  const parsed = JSON.parse(out) as { streams: { codec_name: string }[]; packets?: unknown[] };
  return { codec: parsed.streams[0]?.codec_name ?? '', cues: parsed.packets?.length ?? 0 };
}
