import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { type ApiServer, startApiServer } from '../helpers/apiServer.js';
import { assertLoopKeepsTicking } from '../helpers/eventLoop.js';
import { completionOf, FakeChatUpstream, sendJson } from '../helpers/fakeChatUpstream.js';

/**
 * The acceptance bound: serving speech never pauses the event loop for 100 ms, even for a minute of audio
 * resampled to 24 kHz. Resampling runs on the synthesis worker; what stays on the loop is converting each
 * sentence's floats to 16-bit bytes (about 1 ms a sentence) and the test's own client.
 */
const MAX_STALL_MS = 100;

/**
 * Over 60 s of audio from the random tiny SpeechT5, whatever it makes of each sentence: every sentence is
 * followed by 0.25 s of pause, so 300 sentences (3,899 characters) make at least 75 s.
 */
const MINUTE_OF_SPEECH = 'Hello world. '.repeat(300).trim();
const PCM_RATE = 24000;

/** The API server of the tiny models, its audio chat in front of a fake upstream. */
async function startChatServer(): Promise<{ upstream: FakeChatUpstream } & ApiServer> {
  const upstream = await FakeChatUpstream.start();
  const api = await startApiServer(
    { chatCompletion: { baseUrl: `${upstream.url}/v1`, model: 'upstream-model', apiKey: 'upstream-key' } },
    'client-key',
  );
  return { upstream, ...api };
}

describe('http: the event loop while speech is served', () => {
  let chat: Awaited<ReturnType<typeof startChatServer>>;
  before(async () => {
    chat = await startChatServer();
  });
  after(async () => {
    await chat.server.close();
    await chat.upstream.close();
  });

  const speechPcm = async (body: Record<string, unknown>): Promise<Buffer> => {
    const response = await fetch(`${chat.server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer client-key' },
      body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: MINUTE_OF_SPEECH, response_format: 'pcm', ...body }),
    });
    if (response.status !== 200) assert.fail(`${response.status}: ${await response.text()}`);
    assert.equal(response.headers.get('x-sample-rate'), String(PCM_RATE));
    return Buffer.from(await response.arrayBuffer());
  };

  it('POST /audio/speech, pcm, a minute of audio as one file: no stall of 100 ms', { timeout: 300_000 }, async () => {
    const pcm = await assertLoopKeepsTicking(() => speechPcm({}), 500, MAX_STALL_MS);
    assert.ok(pcm.length / 2 / PCM_RATE >= 60, `${pcm.length / 2 / PCM_RATE} s of audio`);
  });

  it('POST /audio/speech, pcm, a minute of audio streamed: no stall of 100 ms', { timeout: 300_000 }, async () => {
    const pcm = await assertLoopKeepsTicking(() => speechPcm({ stream_format: 'audio' }), 500, MAX_STALL_MS);
    assert.ok(pcm.length / 2 / PCM_RATE >= 60, `${pcm.length / 2 / PCM_RATE} s of audio`);
  });

  it('audio chat, a long reply spoken as one WAV file and as streamed pcm16: no stall of 100 ms', { timeout: 300_000 }, async () => {
    chat.upstream.handler = (response) => sendJson(response, 200, completionOf(MINUTE_OF_SPEECH));
    const whole = await assertLoopKeepsTicking(
      () =>
        chat.client.chat.completions.create({
          model: 'client-model',
          modalities: ['text', 'audio'],
          audio: { voice: 'alloy', format: 'wav' },
          messages: [{ role: 'user', content: 'Talk for a minute.' }],
        }),
      500,
      MAX_STALL_MS,
    );
    const wav = Buffer.from(whole.choices[0]!.message.audio!.data, 'base64');
    // The reply speaker synthesizes each sentence alone, with no pause inside: 19 s measured.
    assert.ok((wav.length - 44) / 2 / PCM_RATE >= 15, `${(wav.length - 44) / 2 / PCM_RATE} s of audio`);

    chat.upstream.handler = chat.upstream.streaming({ pieces: MINUTE_OF_SPEECH.split(/(?<=\.) /).map((s) => `${s} `), delayMs: 5 });
    const bytes = await assertLoopKeepsTicking(
      async () => {
        const stream = await chat.client.chat.completions.create({
          model: 'client-model',
          modalities: ['text', 'audio'],
          audio: { voice: 'alloy', format: 'pcm16' },
          messages: [{ role: 'user', content: 'Talk for a minute.' }],
          stream: true,
        });
        let length = 0;
        for await (const chunk of stream) {
          const data = (chunk.choices[0]?.delta as { audio?: { data?: string } } | undefined)?.audio?.data;
          if (data !== undefined) length += Buffer.from(data, 'base64').length;
        }
        return length;
      },
      500,
      MAX_STALL_MS,
    );
    assert.ok(bytes / 2 / PCM_RATE >= 15, `${bytes / 2 / PCM_RATE} s of audio streamed`);
  });
});
