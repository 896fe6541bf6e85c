import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { decodeAudio, ffmpegAvailable, MissingFfmpegError } from '../../src/audio/decode.js';
import { checkSpeechFormatAvailable, createSpeechEncoder } from '../../src/audio/encode.js';
import { toFile } from 'openai';

import { apiError } from '../helpers/apiError.js';
import { startApiServer } from '../helpers/apiServer.js';
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
    const [streamed] = await Promise.all([new Promise<unknown>((resolve) => encoder.output.on('error', resolve)), encoder.output.resume()]);
    assert.ok(streamed instanceof MissingFfmpegError);
    assert.equal(streamed.message, 'Encoding mp3 speech needs ffmpeg, which is not installed on the server; ask for wav or pcm');
  });
});

describe('a server without ffmpeg', () => {
  it('serves WAV in and WAV/PCM out, and answers other formats with a 400 naming ffmpeg', async () => {
    const api = await startApiServer();
    try {
      const wav = await api.client.audio.transcriptions.create({ file: await toFile(read('en_5s.wav'), 'a.wav'), model: 'whisper-1' });
      assert.equal(typeof wav.text, 'string');
      const mp3 = await apiError(api.client.audio.transcriptions.create({ file: await toFile(read('en_5s.mp3'), 'a.mp3'), model: 'whisper-1' }));
      assert.deepEqual([mp3.status, mp3.param], [400, 'file']);
      assert.match(mp3.message, /needs ffmpeg, which is not installed on the server/);

      const speech = await api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'wav' });
      assert.equal(
        Buffer.from(await speech.arrayBuffer())
          .subarray(0, 4)
          .toString('latin1'),
        'RIFF',
      );
      const opus = await apiError(api.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.', response_format: 'opus' }));
      assert.deepEqual(
        [opus.status, opus.param, opus.message],
        [400, 'response_format', '400 Encoding opus speech needs ffmpeg, which is not installed on the server; ask for wav or pcm'],
      );
    } finally {
      await api.server.close();
    }
  });
});
