import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { decodeAudio, ffmpegAvailable, MissingFfmpegError } from '../../src/audio/decode.js';
import { checkSpeechFormatAvailable, createSpeechEncoder } from '../../src/audio/encode.js';
import { fixtures } from '../helpers/audio.js';
import { tempDir } from '../helpers/irFolder.js';
import { rejection } from '../helpers/rejection.js';

// This file's process plays a server without ffmpeg: nothing on PATH. (Each test file has its own process.)
process.env.PATH = tempDir('no-ffmpeg');

const LIMITS = { maxSeconds: 60, timeoutMs: 10_000 };
const read = (name: string) => readFileSync(path.join(fixtures, 'audio', name));

describe('without ffmpeg', () => {
  it('says so, once', async () => {
    assert.equal(await ffmpegAvailable(), false);
  });

  it('decodes WAV and raw PCM all the same', async () => {
    assert.equal((await decodeAudio(read('en_5s.wav'), {}, LIMITS)).samples.length, 80000);
    assert.equal((await decodeAudio(Buffer.alloc(320), { contentType: 'audio/pcm' }, LIMITS)).samples.length, 160);
  });

  it('refuses other uploads with a MissingFfmpegError naming what to send instead', async () => {
    const error = await rejection(decodeAudio(read('en_5s.mp3'), {}, LIMITS));
    assert.ok(error instanceof MissingFfmpegError);
    assert.deepEqual([error.code, error.param, error.missing], ['INVALID_ARGUMENT', 'file', 'ffmpeg']);
    assert.equal(error.message, 'Decoding MP3 uploads needs ffmpeg, which is not installed on the server; send WAV or raw PCM');
  });

  it('refuses ffmpeg formats for speech, before any audio is made or while streaming', async () => {
    const error = await rejection(checkSpeechFormatAvailable('opus'));
    assert.ok(error instanceof MissingFfmpegError);
    assert.deepEqual([error.code, error.param], ['INVALID_ARGUMENT', 'response_format']);
    assert.equal(error.message, 'Encoding opus speech needs ffmpeg, which is not installed on the server; ask for wav or pcm');
    await checkSpeechFormatAvailable('wav');
    await checkSpeechFormatAvailable('pcm');

    const encoder = createSpeechEncoder('mp3', { sampleRate: 16000 });
    encoder.write(new Float32Array(1600));
    encoder.end();
    const [streamed] = await Promise.all([
      new Promise<unknown>((resolve) => encoder.output.on('error', resolve)),
      encoder.output.resume(),
    ]);
    assert.ok(streamed instanceof MissingFfmpegError);
    assert.equal(streamed.message, 'Encoding mp3 speech needs ffmpeg, which is not installed on the server; ask for wav or pcm');
  });
});
