import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { AudioDecodeError, decodeAudio, ffmpegAvailable } from '../../src/audio/decode.js';
import { detectContainer } from '../../src/audio/container.js';
import { fixtures, loadAudioFile, loadClip } from '../helpers/audio.js';
import { tempDir } from '../helpers/irFolder.js';
import { rejection } from '../helpers/rejection.js';

const LIMITS = { maxSeconds: 120, timeoutMs: 30_000 };
const audioDir = path.join(fixtures, 'audio');
const read = (name: string) => readFileSync(path.join(audioDir, name));

/** Seconds each fixture lasts, from its name (see test/fixtures/README.md). */
function expectedSeconds(name: string): number {
  const seconds = /_(\d+)s[._]/.exec(name);
  assert.ok(seconds, `no duration in ${name}`);
  return Number(seconds[1]);
}

function sameSamples(actual: Float32Array, expected: Float32Array): boolean {
  return Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(
    Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
  );
}

describe('decodeAudio: every fixture', () => {
  for (const name of readdirSync(audioDir).sort()) {
    it(`${name}: its own rate and channels, the right duration, the samples ffmpeg gives`, async () => {
      const audio = await decodeAudio(read(name), {}, LIMITS);
      const reference = loadClip(name); // ffmpeg reading the file itself, and ffprobe
      assert.equal(audio.sampleRate, reference.sampleRate);
      assert.equal(audio.channels, reference.channels);
      const seconds = audio.samples.length / audio.channels / audio.sampleRate;
      assert.ok(Math.abs(seconds - expectedSeconds(name)) <= 0.1, `${seconds} s`);
      // WAV is read in-process, the rest through ffmpeg on a pipe; both match ffmpeg on the file exactly,
      // except that on a pipe ffmpeg keeps an MP3's end padding (111 samples here) that it drops from a file.
      const extra = audio.samples.length - reference.samples.length;
      assert.ok(extra === 0 || (name.endsWith('.mp3') && extra > 0 && extra < 1152), `${extra} samples more than ffmpeg on the file`);
      assert.ok(sameSamples(audio.samples.subarray(0, reference.samples.length), reference.samples), 'samples differ from ffmpeg decoding the file');
    });
  }

  it('knows the rate and channels of the 44.1 kHz stereo clip', async () => {
    const audio = await decodeAudio(read('en_5s_44k_stereo.wav'), { filename: 'clip.wav' }, LIMITS);
    assert.deepEqual([audio.sampleRate, audio.channels, audio.samples.length], [44100, 2, 44100 * 2 * 5]);
  });

  it('keeps an Opus stream at 48 kHz, as Opus decodes', async () => {
    for (const name of ['en_5s.ogg', 'en_5s.webm']) {
      const audio = await decodeAudio(read(name), {}, LIMITS);
      assert.deepEqual([audio.sampleRate, audio.channels], [48000, 1]);
    }
  });
});

describe('decodeAudio: containers', () => {
  it('detects each container from its first bytes, whatever the name says', () => {
    const cases: [string, string][] = [
      ['en_5s.wav', 'wav'],
      ['en_5s.flac', 'flac'],
      ['en_5s.mp3', 'mp3'],
      ['en_5s.m4a', 'mp4'],
      ['en_5s.ogg', 'ogg'],
      ['en_5s.webm', 'webm'],
    ];
    for (const [name, container] of cases)
      assert.equal(detectContainer(read(name), { filename: 'misnamed.flac', contentType: 'audio/mpeg' }), container);
    assert.equal(detectContainer(Buffer.from([0xff, 0xfb, 0x90, 0x64]), {}), 'mp3'); // MPEG-1 layer III frame
    assert.equal(detectContainer(Buffer.from([0xff, 0xf1, 0x50, 0x80]), {}), 'aac'); // ADTS
    assert.equal(detectContainer(Buffer.from([0, 0, 1, 0xba, 0x44]), {}), 'mpeg');
  });

  it('falls back on the file name, then on the content type', () => {
    const unknown = Buffer.from('no magic here');
    assert.equal(detectContainer(unknown, { filename: 'a.MP3', contentType: 'audio/ogg' }), 'mp3');
    assert.equal(detectContainer(unknown, { filename: 'a.mpga' }), 'mp3');
    assert.equal(detectContainer(unknown, { filename: 'a.m4a' }), 'mp4');
    assert.equal(detectContainer(unknown, { filename: 'noextension', contentType: 'audio/webm; codecs=opus' }), 'webm');
    assert.throws(() => detectContainer(unknown, { filename: 'a.txt', contentType: 'application/octet-stream' }), AudioDecodeError);
  });

  it('decodes MPEG-PS made at run time', async () => {
    const mpeg = execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(audioDir, 'en_5s.wav'), '-c:a', 'mp2', '-f', 'mpeg', 'pipe:1']);
    assert.equal(detectContainer(mpeg, {}), 'mpeg');
    const audio = await decodeAudio(mpeg, { filename: 'clip.mpeg' }, LIMITS);
    assert.equal(audio.sampleRate, 16000);
    assert.ok(Math.abs(audio.samples.length / 16000 - 5) < 0.1, `${audio.samples.length / 16000} s`);
  });

  it('decodes ADTS AAC made at run time', async () => {
    const adts = execFileSync('ffmpeg', ['-v', 'error', '-i', path.join(audioDir, 'en_5s.wav'), '-c:a', 'aac', '-f', 'adts', 'pipe:1']);
    assert.equal(detectContainer(adts, {}), 'aac');
    const audio = await decodeAudio(adts, {}, LIMITS);
    assert.equal(audio.sampleRate, 16000);
    // ADTS cannot say how much priming and padding to drop: up to two 1024-sample frames more.
    const seconds = audio.samples.length / 16000;
    assert.ok(seconds >= 5 && seconds <= 5 + 2048 / 16000, `${seconds} s`);
  });

  it('reads raw audio/pcm as s16le mono at the given rate (16 kHz by default)', async () => {
    const pcm = Buffer.alloc(24000 * 2);
    pcm.writeInt16LE(-32768, 0);
    pcm.writeInt16LE(16384, 2);
    pcm.writeUInt16LE(0xf3ff, 4); // looks like an MPEG frame header: the declared type wins
    const audio = await decodeAudio(pcm, { contentType: 'audio/pcm', pcmSampleRate: 24000 }, LIMITS);
    assert.deepEqual([audio.sampleRate, audio.channels, audio.samples.length], [24000, 1, 24000]);
    assert.deepEqual(Array.from(audio.samples.subarray(0, 3)), [-1, 0.5, -3073 / 32768]);
    assert.equal((await decodeAudio(pcm, { filename: 'speech.pcm' }, LIMITS)).sampleRate, 16000);
    await assert.rejects(decodeAudio(pcm.subarray(1), { contentType: 'audio/pcm' }, LIMITS), {
      message: 'The raw PCM upload ends inside a sample: s16le needs an even number of bytes',
    });
    await assert.rejects(decodeAudio(pcm, { contentType: 'audio/pcm' }, { maxSeconds: 1, timeoutMs: 1000 }), {
      message: 'The audio is longer than the limit of 1 seconds',
    });
  });
});

describe('decodeAudio: undecodable uploads', () => {
  it('garbage named .mp3 reaches ffmpeg and fails as undecodable, with ffmpeg’s words kept for the log', async () => {
    const error = await rejection(decodeAudio(Buffer.from('definitely not an mp3 file'), { filename: 'song.mp3' }, LIMITS));
    assert.ok(error instanceof AudioDecodeError);
    assert.deepEqual([error.code, error.param, error.undecodable], ['INVALID_ARGUMENT', 'file', true]);
    assert.equal(error.message, 'The MP3 upload could not be decoded; the file may be corrupted or not audio');
    assert.match(error.detail ?? '', /^ffmpeg exited with \d+: .+/);
  });

  it('a video without audio', async () => {
    const video = execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=32x32:rate=5:duration=1',
      '-c:v',
      'mpeg4',
      '-f',
      'mp4',
      '-movflags',
      'frag_keyframe+empty_moov',
      'pipe:1',
    ]);
    const error = await rejection(decodeAudio(video, { filename: 'clip.mp4' }, LIMITS));
    assert.ok(error instanceof AudioDecodeError);
    assert.equal(error.message, 'The MP4/M4A upload has no audio stream');
  });

  it('a FLAC cut after its header decodes to what is there or fails as undecodable, never hangs', async () => {
    const cut = read('en_5s.flac').subarray(0, 200);
    const outcome = await decodeAudio(cut, {}, LIMITS).then(
      (audio) => audio.samples.length / audio.sampleRate,
      (error: unknown) => error,
    );
    if (typeof outcome !== 'number') assert.ok(outcome instanceof AudioDecodeError, String(outcome));
  });
});

describe('decodeAudio: budgets and cancellation', () => {
  it('stops a 95 s FLAC once it has decoded past a 30 s limit', async (t) => {
    const flac = read('en_95s.flac');
    const started = performance.now();
    const error = await rejection(decodeAudio(flac, {}, { maxSeconds: 30, timeoutMs: 30_000 }));
    const elapsed = performance.now() - started;
    assert.ok(!(error instanceof AudioDecodeError));
    assert.deepEqual([error.code, error.param, error.message], ['INVALID_ARGUMENT', 'file', 'The audio is longer than the limit of 30 seconds']);

    const fullStart = performance.now();
    const audio = await decodeAudio(flac, {}, { maxSeconds: 95, timeoutMs: 30_000 });
    const full = performance.now() - fullStart;
    assert.equal(audio.samples.length, 95 * 16000);
    t.diagnostic(`95 s FLAC: refused at 30 s after ${elapsed.toFixed(0)} ms; decoded whole in ${full.toFixed(0)} ms`);
  });

  it('accepts audio exactly as long as the limit', async () => {
    const audio = await decodeAudio(read('en_29s.flac'), {}, { maxSeconds: 29, timeoutMs: 30_000 });
    assert.equal(audio.samples.length, 29 * 16000);
  });

  it('kills ffmpeg when decoding takes longer than the time budget', async () => {
    const error = await rejection(decodeAudio(read('en_95s.flac'), {}, { maxSeconds: 120, timeoutMs: 5 }));
    assert.deepEqual([error.code, error.param], ['INVALID_ARGUMENT', 'file']);
    assert.equal(error.message, 'Decoding the FLAC upload took longer than the limit of 5 ms');
  });

  it('aborts on the signal, before or during decoding', async () => {
    const flac = read('en_95s.flac');
    const aborted = await rejection(decodeAudio(flac, {}, { ...LIMITS, signal: AbortSignal.abort() }));
    assert.equal(aborted.code, 'CANCELLED');
    const controller = new AbortController();
    const decoding = decodeAudio(flac, {}, { ...LIMITS, signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    const error = await rejection(decoding);
    assert.equal(error.code, 'CANCELLED');
    assert.equal(error.message, 'The request was cancelled while its audio was being decoded');
  });

  it('knows ffmpeg is installed, asking once', async () => {
    const first = ffmpegAvailable();
    assert.equal(ffmpegAvailable(), first);
    assert.equal(await first, true);
  });
});

describe('decodeAudio: decoded samples the engines can use', () => {
  /** A float WAV of `samples` at `sampleRate`, mono, written in-process. */
  function floatWav(samples: Float32Array, sampleRate = 16000): Buffer {
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(36 + samples.byteLength, 4);
    header.write('WAVEfmt ', 8, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(3, 20); // IEEE float
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(sampleRate, 24);
    header.writeUInt32LE(sampleRate * 4, 28);
    header.writeUInt16LE(4, 32);
    header.writeUInt16LE(32, 34);
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(samples.byteLength, 40);
    return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
  }

  async function refusal(bytes: Buffer, hint: { filename?: string }, limits = LIMITS): Promise<string> {
    const error = await rejection(decodeAudio(bytes, hint, limits));
    assert.ok(error instanceof AudioDecodeError, `${error.name}: ${error.message}`);
    assert.deepEqual([error.code, error.param], ['INVALID_ARGUMENT', 'file']);
    return error.message;
  }

  it('refuses no samples, naming the container', async () => {
    assert.equal(await refusal(floatWav(new Float32Array(0)), {}), 'The WAV upload has no audio samples');
    const emptyFlac = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '0', '-f', 'flac', '-']);
    assert.equal(await refusal(emptyFlac, {}), 'The FLAC upload has no audio samples');
  });

  it('refuses NaN and infinities, naming the sample, its frame and channel', async () => {
    const stereo = new Float32Array(100).fill(0.25);
    stereo[37] = Number.POSITIVE_INFINITY;
    const wav = floatWav(stereo);
    wav.writeUInt16LE(2, 22); // the same samples read as 2 channels
    assert.equal(await refusal(wav, {}), 'Sample 37 (frame 18, channel 1) of the WAV upload is Infinity; audio samples must be finite');
    const nan = new Float32Array(1000);
    nan[999] = Number.NaN;
    // Through ffmpeg too: float samples pass its pcm_f32le conversion unchanged.
    const mov = execFileSync(
      'ffmpeg',
      ['-v', 'error', '-f', 'wav', '-i', '-', '-c:a', 'pcm_f32le', '-f', 'mov', '-movflags', 'frag_keyframe+empty_moov', '-'],
      { input: floatWav(nan) },
    );
    assert.equal(await refusal(mov, {}), 'Sample 999 (frame 999, channel 0) of the MP4/M4A upload is NaN; audio samples must be finite');
  });

  it('refuses audio shorter than the minimum once at its rate, rounding as the native resampler does', async () => {
    const limits = { ...LIMITS, minimum: { samples: 201, sampleRate: 16000 } };
    const at16k = 'The raw PCM upload is too short: it has 200 samples at 16000 Hz, and the model needs at least 201 samples at 16000 Hz (12.6 ms)';
    assert.equal(await refusal(Buffer.alloc(400), { filename: 'a.pcm' }, limits), at16k);
    assert.equal((await decodeAudio(Buffer.alloc(402), { filename: 'a.pcm' }, limits)).samples.length, 201);
    // 100 frames at 8 kHz make 200 at 16 kHz, 101 make 202; 44.1 kHz: 554 make round(201.0) = 201, 553 make 200.6 = 201 too, 552 make 200.3 = 200.
    assert.match(await refusal(floatWav(new Float32Array(100), 8000), {}, limits), /^The WAV upload is too short: it has 100 samples at 8000 Hz/);
    await decodeAudio(floatWav(new Float32Array(101), 8000), {}, limits);
    await decodeAudio(floatWav(new Float32Array(553), 44100), {}, limits);
    assert.match(await refusal(floatWav(new Float32Array(552), 44100), {}, limits), /it has 552 samples at 44100 Hz/);
  });
});

describe('decodeAudio: MP4/MOV/M4A from a private temporary file', () => {
  const work = tempDir('decode-mp4');
  // Our own temporary folder, so that what decoding leaves behind is seen, whatever else runs.
  const privateTmp = path.join(work, 'tmp');
  const savedTmp = process.env.TMPDIR;
  before(() => {
    mkdirSync(privateTmp);
    process.env.TMPDIR = privateTmp;
  });
  after(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(work, { recursive: true, force: true });
  });

  /** en_95s as AAC in an MP4 with a video track, its moov after the media (ffmpeg's default). */
  function moovAtEnd(seconds: number): string {
    const file = path.join(work, `moov-at-end-${seconds}.mp4`);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=5',
      '-i',
      path.join(audioDir, 'en_95s.flac'),
      '-t',
      String(seconds),
      '-c:v',
      'mpeg4',
      '-c:a',
      'aac',
      file,
    ]);
    const bytes = readFileSync(file);
    assert.ok(bytes.indexOf('moov') > bytes.indexOf('mdat'), 'moov after mdat');
    return file;
  }

  it('decodes an upload whose moov atom follows the media to the samples ffmpeg gives on the file, and leaves nothing behind', async () => {
    const file = moovAtEnd(5);
    const audio = await decodeAudio(readFileSync(file), { filename: 'upload.bin' }, LIMITS);
    const reference = loadAudioFile(file);
    assert.deepEqual([audio.sampleRate, audio.channels], [reference.sampleRate, reference.channels]);
    assert.ok(sameSamples(audio.samples, reference.samples), `${audio.samples.length} samples vs ${reference.samples.length}`);
    assert.deepEqual(readdirSync(privateTmp), []);
  });

  it('the file is 0600 in a 0700 folder while ffmpeg reads it, and is removed after a failure, a timeout and an abort', async () => {
    const long = readFileSync(moovAtEnd(60));
    const controller = new AbortController();
    const decoding = rejection(decodeAudio(long, {}, { ...LIMITS, signal: controller.signal }));
    const deadline = Date.now() + 10_000;
    let upload: string | undefined;
    while (upload === undefined && Date.now() < deadline) {
      const [folder] = readdirSync(privateTmp);
      if (folder !== undefined && readdirSync(path.join(privateTmp, folder)).length > 0) upload = path.join(privateTmp, folder, 'upload.mp4');
      else await sleep(2);
    }
    assert.ok(upload, 'no upload file appeared');
    assert.equal(statSync(path.dirname(upload)).mode & 0o777, 0o700);
    assert.equal(statSync(upload).mode & 0o777, 0o600);
    controller.abort();
    assert.equal((await decoding).code, 'CANCELLED');
    assert.deepEqual(readdirSync(privateTmp), []);

    const timedOut = await rejection(decodeAudio(long, {}, { ...LIMITS, timeoutMs: 5 }));
    assert.equal(timedOut.message, 'Decoding the MP4/M4A upload took longer than the limit of 5 ms');
    assert.deepEqual(readdirSync(privateTmp), []);

    const corrupt = Buffer.concat([long.subarray(0, 32), Buffer.alloc(4096, 0x55)]);
    assert.equal(
      await rejection(decodeAudio(corrupt, {}, LIMITS)).then((e) => e.message),
      'The MP4/M4A upload could not be decoded; the file may be corrupted or not audio',
    );
    assert.deepEqual(readdirSync(privateTmp), []);
  });
});
