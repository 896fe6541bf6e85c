import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** Debian's binary, found on PATH; spawned without a shell, so no argument is ever interpreted. */
const FFMPEG = 'ffmpeg';
/** Enough of stderr for the last few messages. */
const STDERR_TAIL_BYTES = 4096;

export interface FfmpegProcess {
  child: ChildProcessWithoutNullStreams;
  /** The end of what ffmpeg wrote to stderr so far. */
  stderr(): string;
}

/**
 * Starts ffmpeg with `args`. A write to stdin after ffmpeg has exited fails with EPIPE; that is ignored
 * here, because the exit status tells what happened.
 */
/**
 * How every ffmpeg run starts: quiet but for errors, and able to open nothing but through `protocol` (the
 * upload's or output's pipe, or the one temporary file of a seekable upload).
 */
export function ffmpegBaseArgs(protocol: 'pipe' | 'file'): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', protocol];
}

export function spawnFfmpeg(args: readonly string[]): FfmpegProcess {
  const child = spawn(FFMPEG, args, { stdio: 'pipe' });
  let tail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    tail = (tail + text).slice(-STDERR_TAIL_BYTES);
  });
  child.stdin.on('error', () => {});
  return { child, stderr: () => tail.trim() };
}

export function isMissingProgram(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

let availability: Promise<boolean> | undefined;

/** Whether ffmpeg runs on this server; asked once per process. */
export function ffmpegAvailable(): Promise<boolean> {
  availability ??= new Promise((resolve) => {
    const child = spawn(FFMPEG, ['-hide_banner', '-version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
  return availability;
}
