import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { PcmAudio } from '../../src/engine/WhisperEngine.js';

export const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A fixture clip decoded by ffmpeg to float32 at its own rate and channel count (as the references were). */
export function loadClip(name: string): PcmAudio {
  return loadAudioFile(path.join(fixtures, 'audio', name));
}

/** The first audio stream of any file ffmpeg reads, as float32 at its own rate and channel count. */
export function loadAudioFile(file: string): PcmAudio {
  const [sampleRate, channels] = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=sample_rate,channels', '-of', 'csv=p=0', file],
    {
      encoding: 'utf8',
    },
  )
    .trim()
    .split(',')
    .map(Number);
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-map', '0:a:0', '-f', 'f32le', '-acodec', 'pcm_f32le', '-'], {
    maxBuffer: 1 << 28,
  });
  const samples = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return { samples, sampleRate: sampleRate ?? 0, channels: channels ?? 0 };
}
