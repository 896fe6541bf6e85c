import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

import { AudioDecodeError, decodeAudio } from '../../src/audio/decode.js';
import { OvSpeechError } from '../../src/errors.js';
import { rejection } from '../helpers/rejection.js';

const LIMITS = { maxSeconds: 60, timeoutMs: 10_000 };

function chunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(declaredSize, 4);
  return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
}

interface FmtSpec {
  tag: number;
  channels: number;
  sampleRate: number;
  bits: number;
  /** WAVE_FORMAT_EXTENSIBLE with `tag` as its sub-format. */
  extensible?: boolean;
}

function fmtChunk({ tag, channels, sampleRate, bits, extensible = false }: FmtSpec): Buffer {
  const body = Buffer.alloc(extensible ? 40 : 16);
  body.writeUInt16LE(extensible ? 0xfffe : tag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(sampleRate, 4);
  body.writeUInt32LE((sampleRate * channels * bits) / 8, 8);
  body.writeUInt16LE((channels * bits) / 8, 12);
  body.writeUInt16LE(bits, 14);
  if (extensible) {
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(bits, 18);
    body.writeUInt32LE(channels === 2 ? 0x3 : 0x3f, 20);
    Buffer.from(
      tag
        .toString(16)
        .padStart(4, '0')
        .replace(/(..)(..)/, '$2$1') + '000000001000800000aa00389b71',
      'hex',
    ).copy(body, 24);
  }
  return chunk('fmt ', body);
}

function riff(chunks: Buffer[], riffSize?: number): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const header = Buffer.alloc(8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(riffSize ?? body.length, 4);
  return Buffer.concat([header, body]);
}

/** Deterministic bytes covering every value of every integer sample format. */
function integerSamples(bytes: number): Buffer {
  const data = Buffer.alloc(bytes);
  let state = 12345;
  for (let i = 0; i < bytes; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return data;
}

/** Float samples: a sweep in [-1, 1] with some beyond, distinct on each channel. */
function floatSamples(frames: number, channels: number, bits: 32 | 64): Buffer {
  const size = bits / 8;
  const data = Buffer.alloc(frames * channels * size);
  for (let i = 0; i < frames * channels; i++) {
    const value = 1.1 * Math.sin(i * 0.0137 + (i % channels)) * Math.cos(i * 0.00071);
    if (bits === 32) data.writeFloatLE(value, i * size);
    else data.writeDoubleLE(value, i * size);
  }
  return data;
}

/** How ffmpeg reads the same file: float32 at its own rate and channel count. */
function ffmpegSamples(file: Buffer): Float32Array {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-f', 'wav', '-i', 'pipe:0', '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1'], {
    input: file,
    maxBuffer: 1 << 28,
  });
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

function assertSameSamples(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length, 'sample count');
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (!a.equals(e)) {
    const index = actual.findIndex((value, i) => !Object.is(value, expected[i]));
    assert.fail(`sample ${index} differs: ${actual[index]} vs ffmpeg's ${expected[index]}`);
  }
}

async function decodeLikeFfmpeg(file: Buffer, sampleRate: number, channels: number, frames: number): Promise<void> {
  const audio = await decodeAudio(file, {}, LIMITS);
  assert.equal(audio.sampleRate, sampleRate);
  assert.equal(audio.channels, channels);
  assert.equal(audio.samples.length, frames * channels);
  assertSameSamples(audio.samples, ffmpegSamples(file));
}

function decodeError(message: string) {
  return (error: unknown) => {
    assert.ok(error instanceof AudioDecodeError, `expected AudioDecodeError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.param, 'file');
    assert.equal(error.undecodable, true);
    assert.equal(error.message, message);
    return true;
  };
}

const RATE = 22050;
const FRAMES = 3000;

describe('WAV: sample formats, read in-process exactly as ffmpeg reads them', () => {
  const cases: [string, FmtSpec][] = [
    ['8-bit unsigned PCM', { tag: 1, channels: 1, sampleRate: RATE, bits: 8 }],
    ['16-bit PCM', { tag: 1, channels: 2, sampleRate: RATE, bits: 16 }],
    ['24-bit PCM', { tag: 1, channels: 2, sampleRate: RATE, bits: 24 }],
    ['32-bit PCM', { tag: 1, channels: 1, sampleRate: RATE, bits: 32 }],
    ['6-channel 16-bit PCM', { tag: 1, channels: 6, sampleRate: 48000, bits: 16 }],
    ['WAVE_FORMAT_EXTENSIBLE 24-bit PCM', { tag: 1, channels: 2, sampleRate: 96000, bits: 24, extensible: true }],
  ];
  for (const [name, spec] of cases) {
    it(name, async () => {
      const file = riff([fmtChunk(spec), chunk('data', integerSamples((FRAMES * spec.channels * spec.bits) / 8))]);
      await decodeLikeFfmpeg(file, spec.sampleRate, spec.channels, FRAMES);
    });
  }

  const floats: [string, FmtSpec][] = [
    ['32-bit float', { tag: 3, channels: 1, sampleRate: RATE, bits: 32 }],
    ['64-bit float', { tag: 3, channels: 2, sampleRate: RATE, bits: 64 }],
    ['WAVE_FORMAT_EXTENSIBLE 6-channel 32-bit float', { tag: 3, channels: 6, sampleRate: 44100, bits: 32, extensible: true }],
  ];
  for (const [name, spec] of floats) {
    it(name, async () => {
      const file = riff([fmtChunk(spec), chunk('data', floatSamples(FRAMES, spec.channels, spec.bits as 32 | 64))]);
      await decodeLikeFfmpeg(file, spec.sampleRate, spec.channels, FRAMES);
    });
  }

  it('scales 8, 16, 24 and 32-bit extremes to [-1, 1)', async () => {
    const expect = async (bits: number, bytes: number[], values: number[]) => {
      const file = riff([fmtChunk({ tag: 1, channels: 1, sampleRate: 8000, bits }), chunk('data', Buffer.from(bytes))]);
      assert.deepEqual(Array.from((await decodeAudio(file, {}, LIMITS)).samples), values);
    };
    await expect(8, [0, 128, 255], [-1, 0, 127 / 128]);
    await expect(16, [0x00, 0x80, 0xff, 0x7f], [-1, 32767 / 32768]);
    await expect(24, [0x00, 0x00, 0x80, 0xff, 0xff, 0xff], [-1, -1 / 8388608]);
    await expect(32, [0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x40], [-1, 0.5]);
  });
});

describe('WAV: chunk layout', () => {
  const spec = { tag: 1, channels: 2, sampleRate: 16000, bits: 16 };
  const data = integerSamples(16000 * 4); // 1 s

  it('skips unknown chunks, odd-sized ones with their pad byte, before and after fmt', async () => {
    const file = riff([
      chunk('JUNK', Buffer.alloc(28)),
      fmtChunk(spec),
      chunk('LIST', Buffer.from('INFOISFT', 'latin1').subarray(0, 5)),
      chunk('fact', Buffer.from([0x80, 0x3e, 0, 0])),
      chunk('data', data),
      chunk('LIST', Buffer.from('trailing metadata', 'latin1')),
    ]);
    const list = file.indexOf('LIST');
    assert.equal(file.readUInt32LE(list + 4), 5, 'the LIST chunk has an odd size');
    assert.equal(file.indexOf('fact'), list + 8 + 6, 'and a pad byte after it');
    await decodeLikeFfmpeg(file, 16000, 2, 16000);
  });

  it('reads a streamed WAV whose RIFF and data sizes are 0xFFFFFFFF to its end', async () => {
    const file = riff([fmtChunk(spec), chunk('data', data, 0xffffffff)], 0xffffffff);
    await decodeLikeFfmpeg(file, 16000, 2, 16000);
  });

  it('reads the 1 s that is there when the header claims 4 GB, without allocating for the claim', async () => {
    const file = riff([fmtChunk(spec), chunk('data', data, 0xfffffff0)], 0xfffffff8);
    const before = process.memoryUsage().arrayBuffers;
    const audio = await decodeAudio(file, {}, LIMITS);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.equal(audio.samples.length, 16000 * 2);
    assert.ok(grown < 16 << 20, `array buffers grew by ${grown} bytes`);
    assertSameSamples(audio.samples, ffmpegSamples(file));
  });

  it('ignores a declared data size that ends before the file does', async () => {
    const file = riff([fmtChunk(spec), chunk('data', data, 4000)]);
    assert.equal((await decodeAudio(file, {}, LIMITS)).samples.length, 2000);
  });

  it('applies the duration limit to WAV before converting it', async () => {
    const file = riff([fmtChunk(spec), chunk('data', data)]);
    const error = await rejection(decodeAudio(file, {}, { maxSeconds: 0.5, timeoutMs: 1000 }));
    assert.ok(!(error instanceof AudioDecodeError));
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.param, 'file');
    assert.equal(error.message, 'The audio is longer than the limit of 0.5 seconds');
    assert.equal((await decodeAudio(file, {}, { maxSeconds: 1, timeoutMs: 1000 })).samples.length, 32000);
  });
});

describe('WAV: files we refuse, each with its reason', () => {
  const fmt = fmtChunk({ tag: 1, channels: 2, sampleRate: 16000, bits: 24 });
  const refuse = (file: Buffer, message: string, filename = 'upload.wav') =>
    assert.rejects(decodeAudio(file, { filename }, LIMITS), decodeError(message));

  it('data truncated in the middle of a sample frame', async () => {
    const cut = riff([fmt, chunk('data', integerSamples(6000))]).subarray(0, 44 + 6 * 100 + 4);
    await refuse(cut, "The WAV file's data chunk ends inside a sample frame");
    await refuse(riff([fmt, chunk('data', integerSamples(6001))]), "The WAV file's data chunk ends inside a sample frame");
  });

  it('an empty file and garbage', async () => {
    await refuse(Buffer.alloc(0), 'The file is empty');
    const garbage = Buffer.from('these bytes are not audio in any format at all', 'latin1');
    await refuse(garbage, 'The file is not in a recognized audio format; send flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm or aac', 'upload.bin');
    await refuse(garbage, 'The file is not a WAV file: it does not start with a RIFF/WAVE header');
    await refuse(Buffer.from('RIFF', 'latin1'), 'The file is not a WAV file: it is shorter than a RIFF/WAVE header');
    const avi = Buffer.from('RIFF\x04\x00\x00\x00AVI ', 'latin1');
    await refuse(avi, 'The file is not a WAV file: it does not start with a RIFF/WAVE header');
  });

  it('missing or misplaced fmt and data chunks', async () => {
    await refuse(riff([chunk('data', integerSamples(60)), fmt]), 'The WAV file has no fmt chunk before its data chunk');
    await refuse(riff([chunk('LIST', Buffer.alloc(10))]), 'The WAV file has no fmt chunk');
    await refuse(riff([fmt]), 'The WAV file has no data chunk');
    await refuse(riff([fmt, chunk('LIST', Buffer.alloc(10), 0xfffffff0), chunk('data', integerSamples(60))]), 'The WAV file has no data chunk');
    await refuse(riff([fmt]).subarray(0, 30), "The WAV file's fmt chunk is cut short");
    await refuse(riff([chunk('fmt ', Buffer.alloc(14))]), "The WAV file's fmt chunk is shorter than 16 bytes");
  });

  it('impossible or unsupported formats', async () => {
    const data = chunk('data', integerSamples(60));
    await refuse(riff([fmtChunk({ tag: 1, channels: 0, sampleRate: 16000, bits: 16 }), data]), 'The WAV file declares 0 channels');
    await refuse(riff([fmtChunk({ tag: 1, channels: 1, sampleRate: 0, bits: 16 }), data]), 'The WAV file declares a sample rate of 0 Hz');
    const supported = 'send PCM (8, 16, 24 or 32-bit) or IEEE float (32 or 64-bit)';
    await refuse(
      riff([fmtChunk({ tag: 6, channels: 1, sampleRate: 8000, bits: 8 }), data]),
      `The WAV file's format tag 0x0006 is not supported; ${supported}`,
    );
    await refuse(
      riff([fmtChunk({ tag: 1, channels: 1, sampleRate: 8000, bits: 12 }), data]),
      `The WAV file's 12-bit PCM samples are not supported; ${supported}`,
    );
    await refuse(
      riff([fmtChunk({ tag: 3, channels: 1, sampleRate: 8000, bits: 16 }), data]),
      `The WAV file's 16-bit float samples are not supported; ${supported}`,
    );
    await refuse(
      riff([fmtChunk({ tag: 0x55, channels: 1, sampleRate: 8000, bits: 16, extensible: true }), data]),
      `The WAV file's format tag 0x0055 is not supported; ${supported}`,
    );
    const odd = fmtChunk({ tag: 1, channels: 1, sampleRate: 8000, bits: 16, extensible: true });
    odd[8 + 24 + 15] = 0; // last byte of the GUID
    await refuse(riff([odd, data]), "The WAV file's sub-format GUID is not a WAVE format tag");
    const short = fmtChunk({ tag: 1, channels: 1, sampleRate: 8000, bits: 16, extensible: true });
    await refuse(riff([chunk('fmt ', short.subarray(8, 8 + 30))]), "The WAV file's WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes");
  });

  it('every refusal is an OvSpeechError with code INVALID_ARGUMENT on param file', async () => {
    const error = await rejection(decodeAudio(Buffer.alloc(0), {}, LIMITS));
    assert.ok(error instanceof OvSpeechError);
    assert.deepEqual([error.code, error.param], ['INVALID_ARGUMENT', 'file']);
  });
});
