import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  createSpeechEncoder,
  defaultOutputSampleRate,
  encodeWav,
  OPENAI_PCM_SAMPLE_RATE,
  SPEECH_CONTENT_TYPES,
  SPEECH_FORMATS,
  type SpeechFormat,
} from '../../src/audio/encode.js';
import { ffmpegEncodeArgs } from '../../src/audio/ffmpegEncoder.js';
import { readWavLayout, wavSamples } from '../../src/audio/wav.js';
import { OvSpeechError } from '../../src/errors.js';

const RATE = 16000;

/** 1 s of speech-like test signal: a 220 Hz tone with harmonics, its level rising and falling. */
function signal(seconds: number, sampleRate = RATE): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => {
    const t = i / sampleRate;
    const envelope = 0.5 + 0.4 * Math.sin(2 * Math.PI * 3 * t);
    return envelope * (0.6 * Math.sin(2 * Math.PI * 220 * t) + 0.3 * Math.sin(2 * Math.PI * 660 * t) + 0.1 * Math.sin(2 * Math.PI * 1760 * t));
  });
}

/** Writes `samples` in 3 chunks of unequal size and collects the output. */
async function encode(format: SpeechFormat, samples: Float32Array, sampleRate = RATE): Promise<Buffer> {
  const encoder = createSpeechEncoder(format, { sampleRate });
  const collected = collect(encoder.output);
  const cuts = [0, Math.floor(samples.length * 0.2), Math.floor(samples.length * 0.7), samples.length];
  for (let i = 0; i < 3; i++) encoder.write(samples.slice(cuts[i], cuts[i + 1]));
  encoder.end();
  return collected;
}

async function collect(output: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of output) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function probe(bytes: Buffer): { codec: string; sampleRate: number; channels: number } {
  const [codec, sampleRate, channels] = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name,sample_rate,channels', '-of', 'csv=p=0', '-i', 'pipe:0'],
    { input: bytes, encoding: 'utf8' },
  )
    .trim()
    .split(',');
  return { codec: codec!, sampleRate: Number(sampleRate), channels: Number(channels) };
}

/** Samples ffmpeg decodes from `bytes` (mono). */
function ffmpegDecode(bytes: Buffer): Float32Array {
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', 'pipe:0', '-f', 'f32le', '-c:a', 'pcm_f32le', 'pipe:1'], {
    input: bytes,
    maxBuffer: 1 << 28,
  });
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

/**
 * Decoded samples expected from `frames` input frames. mp3 and ADTS AAC streams carry their codec's
 * priming (LAME's 576 + the decoder's 529; AAC's 1024) and are padded to whole frames (576 for MPEG-2
 * layer III, 1024 for AAC): a stream has no header to tell a player what to drop, since that header
 * needs a seek back after the last frame. Opus's pre-skip and end granule, FLAC and PCM are exact.
 */
function expectedFrames(format: SpeechFormat, frames: number): number {
  if (format === 'mp3') return Math.ceil((frames + 1105) / 576) * 576;
  if (format === 'aac') return Math.ceil((frames + 1024) / 1024) * 1024;
  return frames;
}

/** This process's live ffmpeg children (from /proc), once there are `expected` of them or after 2 s. */
async function ffmpegChildren(expected: number): Promise<number> {
  const count = () =>
    readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/stat`, 'utf8');
        } catch {
          return ''; // exited meanwhile
        }
      })
      .filter((stat) => {
        const match = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
        return match !== null && match[1] === 'ffmpeg' && match[2] !== 'Z' && Number(match[3]) === process.pid;
      }).length;
  for (const deadline = performance.now() + 2000; count() !== expected && performance.now() < deadline;) await sleep(10);
  return count();
}

const CODECS: Record<SpeechFormat, string> = { mp3: 'mp3', opus: 'opus', aac: 'aac', flac: 'flac', wav: 'pcm_s16le', pcm: '' };

describe('createSpeechEncoder: each format decodes back with the right codec, rate and duration', () => {
  const input = signal(2);
  for (const format of SPEECH_FORMATS.filter((f) => f !== 'pcm')) {
    it(format, async () => {
      const encoder = createSpeechEncoder(format, { sampleRate: RATE });
      assert.equal(encoder.contentType, SPEECH_CONTENT_TYPES[format]);
      encoder.abort();
      const bytes = await encode(format, input);
      const { codec, sampleRate, channels } = probe(bytes);
      assert.equal(codec, CODECS[format]);
      assert.equal(channels, 1);
      // Opus always decodes at 48 kHz; its header keeps the input rate for information only.
      const decodedRate = format === 'opus' ? 48000 : RATE;
      assert.equal(sampleRate, decodedRate);
      const decoded = ffmpegDecode(bytes);
      const expected = (expectedFrames(format, input.length) / RATE) * decodedRate;
      assert.ok(Math.abs(decoded.length - expected) <= 0.05 * decodedRate, `${decoded.length} samples, expected ${expected}`);
    });
  }

  it('flac is lossless 16-bit: it decodes to the wav encoder’s samples', async () => {
    assert.deepEqual(ffmpegDecode(await encode('flac', input)), ffmpegDecode(await encode('wav', input)));
  });

  it('the content types', () => {
    assert.deepEqual(SPEECH_CONTENT_TYPES, {
      mp3: 'audio/mpeg',
      opus: 'audio/ogg',
      aac: 'audio/aac',
      flac: 'audio/flac',
      wav: 'audio/wav',
      pcm: 'audio/pcm',
    });
  });

  it('encodes at the rate of the samples, which the speech job made them at', async () => {
    const bytes = await encode('mp3', signal(1, 24000), 24000);
    assert.equal(probe(bytes).sampleRate, 24000);
    assert.ok(!ffmpegEncodeArgs('mp3', 24000).slice(ffmpegEncodeArgs('mp3', 24000).indexOf('pipe:0')).includes('-ar'), 'ffmpeg resamples nothing');
  });
});

describe('createSpeechEncoder: wav and pcm, written in-process', () => {
  const input = signal(1);

  it('streams a WAV whose sizes are 0xFFFFFFFF, which ffmpeg reads to its end', async () => {
    const bytes = await encode('wav', input);
    assert.equal(bytes.readUInt32LE(4), 0xffffffff);
    assert.equal(bytes.readUInt32LE(40), 0xffffffff);
    assert.equal(bytes.length, 44 + input.length * 2);
    const decoded = ffmpegDecode(bytes);
    assert.equal(decoded.length, input.length);
    assert.ok(
      decoded.every((x, i) => Math.abs(x - input[i]!) <= 0.5 / 32768),
      'within half a 16-bit step of the input',
    );
  });

  it('encodeWav writes exact sizes, 16-bit, clipped to [-1, 1], rounded as ffmpeg rounds', () => {
    const half = 0.5 / 32768;
    const samples = Float32Array.from([0, 0.5, -0.5, 1, -1, 1.5, -2, Number.NaN, half, 3 * half, -half, -3 * half]);
    const wav = encodeWav(samples, 22050);
    assert.equal(wav.readUInt32LE(4), 36 + 24);
    assert.equal(wav.readUInt32LE(40), 24);
    const layout = readWavLayout(wav);
    assert.deepEqual([layout.sampleFormat, layout.sampleRate, layout.channels, layout.frames], ['s16', 22050, 1, 12]);
    const ints = Array.from({ length: 12 }, (_, i) => wav.readInt16LE(44 + 2 * i));
    assert.deepEqual(ints, [0, 16384, -16384, 32767, -32768, 32767, -32768, 0, 0, 2, 0, -2]);
    assert.deepEqual(probe(wav), { codec: 'pcm_s16le', sampleRate: 22050, channels: 1 });
    // ffmpeg's own float → s16 gives the same integers.
    const f32 = Buffer.from(samples.buffer);
    const theirs = execFileSync('ffmpeg', ['-v', 'error', '-f', 'f32le', '-ar', '22050', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'], {
      input: f32,
    });
    assert.deepEqual(theirs, wav.subarray(44));
    assert.deepEqual(Array.from(wavSamples(wav, layout).subarray(0, 3)), [0, 0.5, -0.5]);
  });

  it(`pcm is made at ${OPENAI_PCM_SAMPLE_RATE} Hz by default, as OpenAI's is; the other formats keep the model's rate`, async () => {
    assert.equal(defaultOutputSampleRate('pcm', RATE), 24000);
    for (const format of ['mp3', 'opus', 'aac', 'flac', 'wav'] as const) assert.equal(defaultOutputSampleRate(format, RATE), RATE);
    const encoder = createSpeechEncoder('pcm', { sampleRate: 24000 });
    assert.equal(encoder.sampleRate, 24000);
    encoder.abort();
    // The encoder writes the samples as they come: resampling is the speech job's.
    const bytes = await encode('pcm', input, 24000);
    assert.equal(bytes.length, input.length * 2);
    assert.equal(bytes.readInt16LE(2 * 100), Math.round(input[100]! * 32768));
  });
});

describe('createSpeechEncoder: streaming, errors and abort', () => {
  it('streams: most of 1 s of audio comes out before the input has ended', { timeout: 20_000 }, async () => {
    for (const format of ['mp3', 'opus', 'aac', 'flac'] as const) {
      const whole = (await encode(format, signal(1))).length;
      const encoder = createSpeechEncoder(format, { sampleRate: RATE });
      let received = 0;
      encoder.output.on('data', (chunk: Buffer) => (received += chunk.length));
      encoder.write(signal(1));
      for (const deadline = performance.now() + 5000; received < whole / 2 && performance.now() < deadline;) await sleep(10);
      assert.ok(received >= whole / 2, `${format}: ${received} of ${whole} bytes before end()`);
      encoder.end();
      await once(encoder.output, 'end');
    }
  });

  it('encodes 10 s of mp3', async (t) => {
    const input = signal(10);
    const started = performance.now();
    const bytes = await encode('mp3', input);
    const elapsed = performance.now() - started;
    assert.ok(Math.abs(ffmpegDecode(bytes).length - expectedFrames('mp3', input.length)) <= 800);
    t.diagnostic(`10 s of mp3 in ${elapsed.toFixed(0)} ms (${bytes.length} bytes)`);
  });

  it('encodes NaN as silence and infinities as full scale, which aac and mp3 would refuse', async () => {
    const input = signal(0.5);
    input.fill(Number.NaN, 0, 2000);
    input[4000] = Number.POSITIVE_INFINITY;
    input[4001] = Number.NEGATIVE_INFINITY;
    for (const format of ['aac', 'mp3'] as const) {
      const decoded = ffmpegDecode(await encode(format, input));
      assert.ok(Math.abs(decoded.length - expectedFrames(format, input.length)) <= 0.05 * RATE, `${format}: ${decoded.length} samples`);
    }
    const wav = await encode('wav', input);
    const samples = wavSamples(wav, readWavLayout(wav));
    assert.deepEqual([samples[0], samples[4000], samples[4001]], [0, 32767 / 32768, -1]);
  });

  it('fails the output with ffmpeg’s error, never ending it as if complete', async () => {
    const encoder = createSpeechEncoder('flac', { sampleRate: 700000 }); // beyond FLAC's 655350 Hz
    encoder.write(signal(0.01, 700000));
    encoder.end();
    await assert.rejects(collect(encoder.output), (error: unknown) => {
      assert.ok(error instanceof OvSpeechError);
      assert.equal(error.code, 'INTERNAL');
      assert.match(error.message, /^ffmpeg failed to encode flac \(exit 1\): .*700000 Hz not supported/s);
      return true;
    });
  });

  it('abort() kills ffmpeg and closes the output without an error; later writes are ignored', async () => {
    for (const format of ['opus', 'wav'] as const) {
      const encoder = createSpeechEncoder(format, { sampleRate: RATE });
      const errors: unknown[] = [];
      encoder.output.on('error', (error) => errors.push(error));
      encoder.write(signal(0.5));
      if (format === 'opus') assert.equal(await ffmpegChildren(1), 1);
      encoder.abort();
      encoder.write(signal(0.5));
      encoder.end();
      encoder.abort();
      await once(encoder.output, 'close');
      assert.deepEqual(errors, []);
      assert.equal(encoder.output.destroyed, true);
      assert.equal(await ffmpegChildren(0), 0);
    }
  });

  it('a reader that goes away stops ffmpeg', async () => {
    const encoder = createSpeechEncoder('aac', { sampleRate: RATE });
    encoder.write(signal(1));
    assert.equal(await ffmpegChildren(1), 1);
    encoder.output.destroy();
    await once(encoder.output, 'close');
    assert.equal(await ffmpegChildren(0), 0);
    encoder.write(signal(1)); // still accepted, and dropped: ffmpeg is gone
    encoder.end();
  });

  it('refuses writes after end(), unknown formats and unsupported rates', () => {
    const encoder = createSpeechEncoder('wav', { sampleRate: RATE });
    encoder.end();
    assert.throws(() => encoder.write(signal(0.1)), /written to after end/);
    assert.throws(() => createSpeechEncoder('ogg' as SpeechFormat, { sampleRate: RATE }), {
      message: 'Expected one of mp3, opus, aac, flac, wav, pcm for response_format but received "ogg" of type string',
    });
    assert.throws(() => createSpeechEncoder('wav', { sampleRate: 0 }), { code: 'INVALID_ARGUMENT' });
  });
});
