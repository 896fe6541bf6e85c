import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { AudioDecodeError, decodeAudio } from '../../src/audio/decode.js';
import { ffmpegDecodeArgs, ffmpegSeekableDecodeArgs } from '../../src/audio/ffmpeg.js';
import { ffconcat, hls, tripwire } from '../helpers/crafted.js';
import { tempDir } from '../helpers/irFolder.js';
import { rejection } from '../helpers/rejection.js';

const LIMITS = { maxSeconds: 60, timeoutMs: 10_000 };
const dir = tempDir('audio-security');

// The secret: 1 s of a 1234 Hz tone as MPEG-TS, a segment type HLS accepts.
const secret = path.join(dir, 'secret.ts');
execFileSync('ffmpeg', [
  '-v',
  'error',
  '-f',
  'lavfi',
  '-i',
  'sine=frequency=1234:sample_rate=16000:duration=1',
  '-c:a',
  'mp2',
  '-f',
  'mpegts',
  secret,
]);

/** ffmpeg run on a payload with `args`; how many bytes of audio it printed. */
function ffmpegOutputBytes(args: string[], payload: Buffer): number {
  const result = spawnSync('ffmpeg', args, { input: payload, maxBuffer: 1 << 26 });
  return result.stdout.length;
}

type Kind = 'hls' | 'concat';

/**
 * Our decoding arguments with the protocol whitelist opened to local files, as a careless setup might,
 * and for ffconcat its own guard against absolute paths off too.
 */
function argsWithFileProtocol(kind: Kind, formatWhitelist: boolean): string[] {
  const args = ffmpegDecodeArgs();
  args[args.indexOf('-protocol_whitelist') + 1] = 'pipe,file,crypto,data';
  if (!formatWhitelist) args.splice(args.indexOf('-format_whitelist'), 2);
  return kind === 'concat' ? ['-safe', '0', ...args] : args;
}

async function refused(payload: Buffer, hint: { filename?: string; contentType?: string }): Promise<AudioDecodeError> {
  const error = await rejection(decodeAudio(payload, hint, LIMITS));
  assert.ok(error instanceof AudioDecodeError, `expected AudioDecodeError, got ${error.name}: ${error.message}`);
  assert.equal(error.message, 'The file is not in a recognized audio format; send flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm or aac');
  return error;
}

after(() => execFileSync('rm', ['-rf', dir]));

describe('security: playlists and lists that point at local files', () => {
  const payloads: [string, Kind, Buffer][] = [
    ['HLS playlist (file:// URL)', 'hls', hls(`file://${secret}`)],
    ['HLS playlist (absolute path)', 'hls', hls(secret)],
    ['HLS playlist at /etc/passwd', 'hls', hls('file:///etc/passwd')],
    ['ffconcat list (absolute path)', 'concat', ffconcat(secret)],
    ['ffconcat list (file: URL)', 'concat', ffconcat(`file:${secret}`)],
    ['ffconcat list at /etc/passwd', 'concat', ffconcat('/etc/passwd')],
  ];

  it('the HLS and ffconcat payloads are live: a looser ffmpeg reads the secret through them', () => {
    // Without our format whitelist and with file access, ffmpeg decodes the referenced 1 s file.
    for (const [kind, payload] of [
      ['hls', hls(`file://${secret}`)],
      ['concat', ffconcat(`file:${secret}`)],
    ] as const) {
      const bytes = ffmpegOutputBytes(argsWithFileProtocol(kind, false), payload);
      assert.ok(bytes > 16000 * 4, `${kind}: only ${bytes} bytes came out`);
    }
  });

  it('the format whitelist alone refuses them, even with file access allowed', () => {
    for (const [name, kind, payload] of payloads) {
      const result = spawnSync('ffmpeg', argsWithFileProtocol(kind, true), { input: payload });
      assert.equal(result.stdout.length, 0, name);
      assert.match(result.stderr.toString(), /Format not on whitelist/, name);
    }
  });

  it('decodeAudio refuses each one up front when nothing claims it is audio', async () => {
    for (const [, , payload] of payloads) await refused(payload, {});
  });

  it('decodeAudio refuses each one in ffmpeg, before its demuxer runs, when the name claims audio', async () => {
    for (const [name, , payload] of payloads) {
      for (const hint of [{ filename: 'song.mp3' }, { filename: 'voice.m4a' }, { contentType: 'audio/ogg' }, { filename: 'x.webm' }]) {
        const error = await refused(payload, hint);
        assert.match(error.detail ?? '', /Format not on whitelist/, `${name} as ${JSON.stringify(hint)}`);
      }
    }
  });

  it('ffmpeg never even opens the referenced file (a FIFO that notices its reader)', async () => {
    const cases = [
      ['hls', (fifo: string) => hls(`file://${fifo}`)],
      ['concat', (fifo: string) => ffconcat(`file:${fifo}`)],
    ] as const;
    for (const [kind, payload] of cases) {
      // Control: a looser ffmpeg opens the FIFO, this tripwire sees it, and gets the secret through it.
      const control = tripwire(dir, `control-${kind}.ts`);
      const loose = spawn('ffmpeg', argsWithFileProtocol(kind, false), { stdio: ['pipe', 'pipe', 'ignore'] });
      let bytes = 0;
      loose.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
      loose.stdin.end(payload(control.fifo));
      const handle = await Promise.race([control.writer, sleep(5000, undefined, { ref: false })]);
      assert.ok(handle, `${kind}: the loose ffmpeg did not open the FIFO`);
      await handle.writeFile(readFileSync(secret));
      await control.release();
      await once(loose, 'close');
      assert.ok(bytes > 16000 * 4, `${kind}: only ${bytes} bytes came out`);

      const wire = tripwire(dir, `${kind}.ts`);
      await refused(payload(wire.fifo), { filename: 'song.mp3' });
      await sleep(200);
      assert.equal(wire.opened(), false, `${kind}: ffmpeg opened the referenced file`);
      await wire.release();
    }
  });
});

describe('security: MP4/MOV uploads read from a temporary file', () => {
  it('ffmpeg opens the upload and nothing else (strace), and the arguments keep file-only protocols and drefs off', async (t) => {
    const args = ffmpegSeekableDecodeArgs('/tmp/x/upload.mp4');
    assert.equal(args[args.indexOf('-protocol_whitelist') + 1], 'file');
    assert.equal(args[args.indexOf('-f') + 1], 'mov');
    assert.equal(args[args.indexOf('-enable_drefs') + 1], '0');
    assert.equal(args[args.indexOf('-use_absolute_path') + 1], '0');
    if (spawnSync('strace', ['-V']).status !== 0) return t.skip('strace is not installed');

    const upload = path.join(dir, 'upload.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=5:duration=2',
      '-f',
      'lavfi',
      '-i',
      'sine=sample_rate=16000:duration=2',
      '-c:v',
      'mpeg4',
      '-c:a',
      'aac',
      upload,
    ]);
    const trace = path.join(dir, 'open.trace');
    const traced = spawnSync(
      'strace',
      ['-f', '-qq', '-e', 'trace=open,openat,openat2,creat', '-o', trace, 'ffmpeg', ...ffmpegSeekableDecodeArgs(upload)],
      { maxBuffer: 1 << 26 },
    );
    assert.equal(traced.status, 0, traced.stderr.toString());
    assert.ok(traced.stdout.length > 2 * 16000 * 4, `${traced.stdout.length} bytes of audio`);
    // Successful opens, less the loader's shared libraries and the kernel's pseudo-files.
    const opened = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((line) => /\bopen(at2?)?\(|creat\(/.test(line) && !/= -1 /.test(line))
      .map((line) => /"([^"]*)"/.exec(line)?.[1] ?? line)
      .filter((file) => !/\.so(\.[\d.]+)?$|^\/etc\/ld\.so\.cache$|^\/(proc|sys|dev)\//.test(file));
    assert.deepEqual([...new Set(opened)], [upload]);
  });
});
