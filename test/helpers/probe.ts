import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ProbedStream {
  codec: string;
  sampleRate: number;
  channels: number;
  /** Seconds, from decoding the whole file (a stream's header may not know it). */
  duration: number;
}

/** Runs `read` on the bytes written to a temporary file (ffprobe needs a seekable file), then removes it. */
function withTempFile<T>(bytes: Buffer | string, extension: string, read: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'ovspeech-probe-'));
  try {
    const file = path.join(dir, `file.${extension}`);
    writeFileSync(file, bytes);
    return read(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What ffprobe reads in an audio file, after ffmpeg has decoded all of it without a single complaint:
 * a file that only starts well fails here.
 */
export function probeAudio(bytes: Buffer, extension: string, inputArgs: string[] = []): ProbedStream {
  return withTempFile(bytes, extension, (file) => probeAudioFile(file, extension, inputArgs));
}

function probeAudioFile(file: string, extension: string, inputArgs: string[]): ProbedStream {
  const decoded = spawnSync('ffmpeg', ['-v', 'error', ...inputArgs, '-i', file, '-f', 'f32le', '-ac', '1', '-'], { maxBuffer: 1 << 28 });
  const complaints = decoded.stderr.toString().trim();
  if (decoded.status !== 0 || complaints !== '') throw new Error(`ffmpeg could not decode the ${extension} file: ${complaints}`);
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', ...inputArgs, '-select_streams', 'a:0', '-show_entries', 'stream=codec_name,sample_rate,channels', '-of', 'json', file],
    {
      encoding: 'utf8',
    },
  );
  const stream = (JSON.parse(out) as { streams: { codec_name: string; sample_rate: string; channels: number }[] }).streams[0];
  if (stream === undefined) throw new Error('ffprobe found no audio stream');
  const sampleRate = Number(stream.sample_rate);
  return { codec: stream.codec_name, sampleRate, channels: stream.channels, duration: decoded.stdout.length / 4 / sampleRate };
}

/** The subtitle codec ffprobe finds in a subtitle file, and the cues ffmpeg reads from it. */
export function probeSubtitles(text: string, extension: 'srt' | 'vtt'): { codec: string; cues: number } {
  const out = withTempFile(text, extension, (file) =>
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name:packet=pts', '-of', 'json', file], { encoding: 'utf8' }),
  );
  const parsed = JSON.parse(out) as { streams: { codec_name: string }[]; packets?: unknown[] };
  return { codec: parsed.streams[0]?.codec_name ?? '', cues: parsed.packets?.length ?? 0 };
}
