import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import OpenAI from 'openai';
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';

import { readWavLayout } from '../../src/audio/wav.js';
import type { RunningServer } from '../../src/http/server.js';
import { startApiServer } from '../helpers/apiServer.js';
import { fixtures } from '../helpers/audio.js';
import { chunkOf, completionOf, FakeChatUpstream, sendJson, UPSTREAM_CREATED } from '../helpers/fakeChatUpstream.js';
import { tempDir } from '../helpers/irFolder.js';
import { probeAudio } from '../helpers/probe.js';
import { startTestServer } from '../helpers/server.js';

const CLIP = path.join(fixtures, 'audio', 'en_5s.wav');
const REPLY = 'Hello there. This is the second sentence! And a third one?';
const REPLY_PIECES = ['Hello', ' there.', ' This is', ' the second sentence!', ' And a third', ' one?'];

/** The audio fields of a streamed delta, which the openai package does not type. */
interface AudioDelta {
  id: string;
  expires_at: number;
  data?: string;
  transcript?: string;
}

/** Parameters with ovspeech's own fields, which the openai package does not know either. */
function withOwnFields<T>(params: T, own: Record<string, unknown>): T {
  return { ...params, ...own };
}

function clientOf(server: RunningServer, prefix: string): OpenAI {
  // No retries: a 5xx must reach the test as it was sent.
  return new OpenAI({ baseURL: `${server.url}${prefix}`, apiKey: 'client-key', maxRetries: 0 });
}

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => assert.fail('expected an API error'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OpenAI.APIError, `expected an OpenAI.APIError, got ${String(error)}`);
  return error;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('http: audio chat around an upstream chat completion server', () => {
  let upstream: FakeChatUpstream;
  let server: RunningServer;
  let client: OpenAI;

  before(async () => {
    upstream = await FakeChatUpstream.start();
    ({ server, client } = await startApiServer(
      { chatCompletion: { baseUrl: `${upstream.url}/v1`, model: 'upstream-model', apiKey: 'upstream-key' } },
      'client-key',
    ));
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.received.length = 0;
  });

  it('replaces input_audio by its transcript, sets the configured model and key, and drops its own fields', async () => {
    const expected = (await client.audio.transcriptions.create({ file: createReadStream(CLIP), model: 'whisper-1' })).text;
    assert.ok(expected.length > 0);
    upstream.handler = (response) => sendJson(response, 200, completionOf('It says hello.'));
    // The conversation with the audio part in second place: as sent, and as the upstream must get it.
    const conversation = (part: ChatCompletionContentPart): ChatCompletionMessageParam[] => [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'What is said here?' }, part] },
    ];
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: 'client-model',
      temperature: 0.3,
      messages: conversation({ type: 'input_audio', input_audio: { data: readFileSync(CLIP).toString('base64'), format: 'wav' } }),
    };
    const completion = await client.chat.completions.create(
      withOwnFields(params, { transcription_model: 'openai/whisper-tiny', speech_model: 'microsoft/speecht5_tts' }),
    );

    assert.deepEqual(completion, completionOf('It says hello.'));
    assert.equal(upstream.received.length, 1);
    const [received] = upstream.received;
    assert.equal(received!.method, 'POST');
    assert.equal(received!.path, '/v1/chat/completions');
    assert.equal(received!.headers.authorization, 'Bearer upstream-key');
    assert.deepEqual(received!.body, { model: 'upstream-model', temperature: 0.3, messages: conversation({ type: 'text', text: expected }) });
  });

  it('speaks the reply into message.audio as a WAV file, and takes the audio id back in the next turn', async () => {
    upstream.handler = (response) => sendJson(response, 200, completionOf(REPLY));
    const asked = Math.floor(Date.now() / 1000);
    const completion = await client.chat.completions.create({
      model: 'client-model',
      modalities: ['text', 'audio'],
      audio: { voice: 'alloy', format: 'wav' },
      messages: [{ role: 'user', content: 'Say three sentences.' }],
    });
    const answered = Math.ceil(Date.now() / 1000);

    const sent = upstream.received[0]!.body;
    assert.equal('modalities' in sent, false);
    assert.equal('audio' in sent, false);
    const message = completion.choices[0]!.message;
    assert.equal(message.content, null);
    assert.ok(message.audio);
    assert.equal(message.audio.transcript, REPLY);
    assert.match(message.audio.id, /^audio_[0-9a-f]{32}$/);
    assert.ok(message.audio.expires_at >= asked + 3600 && message.audio.expires_at <= answered + 3600);
    const wav = Buffer.from(message.audio.data, 'base64');
    assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
    assert.equal(wav.readUInt32LE(4), wav.length - 8);
    const layout = readWavLayout(wav);
    assert.deepEqual([layout.sampleRate, layout.channels, layout.sampleFormat], [24000, 1, 's16']);
    const probed = probeAudio(wav, 'wav');
    assert.deepEqual([probed.codec, probed.sampleRate, probed.channels], ['pcm_s16le', 24000, 1]);
    assert.ok(probed.duration > 0 && Math.abs(probed.duration - layout.frames / 24000) < 0.01, `${probed.duration} s`);

    upstream.handler = (response) => sendJson(response, 200, completionOf('Sure.'));
    await client.chat.completions.create({
      model: 'client-model',
      messages: [
        { role: 'user', content: 'Say three sentences.' },
        { role: 'assistant', audio: { id: message.audio.id } },
        { role: 'user', content: 'Again.' },
      ],
    });
    assert.deepEqual(upstream.received[1]!.body.messages, [
      { role: 'user', content: 'Say three sentences.' },
      { role: 'assistant', content: REPLY },
      { role: 'user', content: 'Again.' },
    ]);
  });

  it('streams text deltas as they come, and the audio of each sentence before the upstream has finished', async () => {
    let sawSpeech: () => void = () => {};
    const speechSeen = new Promise<void>((resolve) => (sawSpeech = resolve));
    // The last piece waits for the client to hear the first sentence, or 5 s: speech made only once the
    // text is over never comes first.
    let heardBeforeLast = false;
    const beforeLast = async () => {
      heardBeforeLast = await Promise.race([speechSeen.then(() => true), sleep(5000, false, { ref: false })]);
    };
    upstream.handler = upstream.streaming({ pieces: REPLY_PIECES, delayMs: 30, beforeLast });
    const params: ChatCompletionCreateParamsStreaming = {
      model: 'client-model',
      stream: true,
      stream_options: { include_usage: true },
      modalities: ['text', 'audio'],
      audio: { voice: 'alloy', format: 'wav' },
      messages: [{ role: 'user', content: 'Say three sentences.' }],
    };
    const stream = await client.chat.completions.create(params);

    let text = '';
    const audio: AudioDelta[] = [];
    let usageLast = false;
    let audioAfterFinish = false;
    let finished = false;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.id, 'chatcmpl-upstream-stream');
      assert.equal(chunk.created, UPSTREAM_CREATED);
      usageLast = chunk.usage !== undefined && chunk.usage !== null;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      text += choice.delta.content ?? '';
      const delta = (choice.delta as { audio?: AudioDelta }).audio;
      if (delta !== undefined) {
        audio.push(delta);
        audioAfterFinish ||= finished;
        if (delta.transcript !== undefined && delta.data !== undefined) sawSpeech();
      }
      finished ||= choice.finish_reason === 'stop';
    }

    assert.equal(text, REPLY);
    assert.ok(heardBeforeLast, 'the first sentence was heard only after the upstream had sent its last piece');
    assert.ok(finished && !audioAfterFinish, 'finish_reason came before the last audio');
    assert.ok(usageLast, 'the usage chunk is not the last');
    assert.equal(new Set(audio.map((delta) => delta.id)).size, 1);
    assert.equal(audio.map((delta) => delta.transcript ?? '').join(''), REPLY);
    const firstSpoken = audio.find((delta) => delta.transcript !== undefined);
    assert.equal(firstSpoken?.transcript, 'Hello there. ');
    const wav = Buffer.concat(audio.map((delta) => Buffer.from(delta.data ?? '', 'base64')));
    const layout = readWavLayout(wav);
    assert.deepEqual([layout.sampleRate, layout.channels], [24000, 1]);
    const probed = probeAudio(wav, 'wav');
    assert.deepEqual([probed.codec, probed.sampleRate], ['pcm_s16le', 24000]);
    assert.ok(probed.duration > 0 && Math.abs(probed.duration - layout.frames / 24000) < 0.01, `${probed.duration} s`);
  });

  it('speaks the reply in every other audio.format, each one decodable at 24 kHz', async () => {
    upstream.handler = (response) => sendJson(response, 200, completionOf('Hello there.'));
    // ffprobe names the codec of each; Opus always decodes at 48 kHz.
    const expected = { mp3: ['mp3', 24000], opus: ['opus', 48000], aac: ['aac', 24000], flac: ['flac', 24000], pcm16: ['pcm_s16le', 24000] } as const;
    for (const [format, [codec, sampleRate]] of Object.entries(expected)) {
      const completion = await client.chat.completions.create({
        model: 'm',
        modalities: ['text', 'audio'],
        audio: { voice: 'alloy', format: format as keyof typeof expected },
        messages: [{ role: 'user', content: 'Hi' }],
      });
      const bytes = Buffer.from(completion.choices[0]!.message.audio!.data, 'base64');
      const probed =
        format === 'pcm16'
          ? probeAudio(bytes, 'pcm', ['-f', 's16le', '-ar', '24000', '-ac', '1'])
          : probeAudio(bytes, format === 'opus' ? 'ogg' : format);
      assert.deepEqual([probed.codec, probed.sampleRate, probed.channels], [codec, sampleRate, 1], format);
      // How long is up to the random prenet dropout of the tiny model (RandomUniform in its decoder).
      assert.ok(probed.duration > 0, `${format}: ${probed.duration} s`);
    }
  });

  it('relays a text-only stream unchanged, ending with [DONE]', async () => {
    upstream.handler = upstream.streaming({ pieces: REPLY_PIECES, delayMs: 1 });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'client-model', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const events = (await response.text()).split('\n\n').filter((event) => event !== '');
    assert.equal(events.at(-1), 'data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, '')) as object);
    assert.deepEqual(chunks.slice(0, REPLY_PIECES.length + 2), [
      chunkOf({ role: 'assistant', content: '' }),
      ...REPLY_PIECES.map((piece) => chunkOf({ content: piece })),
      chunkOf({}, 'stop'),
    ]);
    assert.equal(upstream.received[0]!.body.stream, true);
  });

  it('cancels the upstream request when the client goes away mid-stream', async () => {
    upstream.handler = upstream.streaming({ pieces: Array.from({ length: 100 }, (_, i) => `Sentence ${i}. `), delayMs: 50 });
    const stream = await client.chat.completions.create({
      model: 'client-model',
      stream: true,
      modalities: ['text', 'audio'],
      audio: { voice: 'alloy', format: 'pcm16' },
      messages: [{ role: 'user', content: 'Talk for a long time.' }],
    });
    let chunks = 0;
    for await (const chunk of stream) {
      assert.ok(chunk);
      if (++chunks === 3) break;
    }
    const cut = await Promise.race([upstream.streamCut, sleep(3000, 'still open', { ref: false })]);
    assert.equal(cut, true);
    // The same signal cancels the synthesis under way.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^ovspeech_jobs_cancelled_total\{model="upstream-model",reason="client_closed"\} 1$/m);
  });

  it('answers under /v3 too', async () => {
    upstream.handler = (response) => sendJson(response, 200, completionOf('Hi.'));
    const completion = await clientOf(server, '/v3').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(completion.choices[0]!.message.content, 'Hi.');
  });

  it('refuses n > 1 with 400 naming n, before asking the upstream', async () => {
    const error = await apiError(client.chat.completions.create({ model: 'm', n: 2, messages: [{ role: 'user', content: 'Hi' }] }));
    assert.equal(error.status, 400);
    assert.equal(error.param, 'n');
    assert.equal(upstream.received.length, 0);
  });

  it('refuses audio that is not base64 (400) or not audio (422), naming the content part', async () => {
    const ask = (data: string) =>
      client.chat.completions.create({
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hi' },
              { type: 'input_audio', input_audio: { data, format: 'wav' } },
            ],
          },
        ],
      });
    const notBase64 = await apiError(ask('this is not base64!'));
    assert.equal(notBase64.status, 400);
    assert.equal(notBase64.param, 'messages[0].content[1].input_audio.data');
    const notAudio = await apiError(ask(Buffer.from('plain text, no audio at all').toString('base64')));
    assert.equal(notAudio.status, 422);
    assert.equal(notAudio.code, 'invalid_audio');
    assert.equal(notAudio.param, 'messages[0].content[1].input_audio.data');
    assert.equal(upstream.received.length, 0);
  });

  it('refuses an audio id it never issued', async () => {
    const error = await apiError(
      client.chat.completions.create({
        model: 'm',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', audio: { id: 'audio_unknown' } },
        ],
      }),
    );
    assert.equal(error.status, 400);
    assert.equal(error.param, 'messages[1].audio.id');
  });

  it("passes the upstream's error status and OpenAI error body on", async () => {
    const body = { error: { message: 'temperature is too high', type: 'invalid_request_error', param: 'temperature', code: 'bad_temperature' } };
    upstream.handler = (response) => sendJson(response, 429, body, { 'Retry-After': '7' });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'm', temperature: 9, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    assert.equal(response.status, 429);
    assert.equal(response.headers.get('retry-after'), '7');
    assert.deepEqual(await response.json(), body);
  });
});

describe('http: audio chat without a usable upstream', () => {
  let unconfigured: RunningServer;
  let unreachable: RunningServer;
  before(async () => {
    // No model is needed: both fail before any audio would be handled.
    unconfigured = await startTestServer(tempDir('http-chat-none'));
    unreachable = await startTestServer(tempDir('http-chat-down'), {
      chatCompletion: { baseUrl: `http://127.0.0.1:${await closedPort()}/v1`, model: undefined, apiKey: undefined },
    });
  });
  after(async () => {
    await unconfigured.close();
    await unreachable.close();
  });

  it('answers 501 naming CHAT_COMPLETION_BASE_URL when no upstream is configured', async () => {
    const error = await apiError(clientOf(unconfigured, '/v1').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }));
    assert.equal(error.status, 501);
    assert.equal(error.code, 'chat_completion_not_configured');
    assert.match(error.message, /CHAT_COMPLETION_BASE_URL/);
  });

  it('answers 502 when the upstream cannot be reached', async () => {
    const error = await apiError(clientOf(unreachable, '/v1').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] }));
    assert.equal(error.status, 502);
    assert.equal(error.code, 'upstream_unreachable');
    assert.match(error.message, /could not be reached/);
  });
});
