import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type OpenAI from 'openai';
import { toFile } from 'openai';

import { WhisperEngine } from '../../src/engine/WhisperEngine.js';
import { type ApiServer, startApiServer } from '../helpers/apiServer.js';
import { fixtures, loadClip } from '../helpers/audio.js';
import { probeSubtitles } from '../helpers/probe.js';

const clip = (name: string) => readFileSync(path.join(fixtures, 'audio', name));
const upload = (name: string) => toFile(clip(name), name);

describe('http: transcriptions and translations through the openai client', () => {
  let api: ApiServer;
  let direct: WhisperEngine;
  before(async () => {
    api = await startApiServer();
    direct = await WhisperEngine.load(path.join(fixtures, 'models', 'tiny-whisper'));
  });
  after(async () => {
    await direct.dispose();
    await api.server.close();
  });

  it('json: the engine transcript with duration usage, for OpenAI model names and folder ids alike', async () => {
    const expected = await direct.transcribe(loadClip('en_5s.wav'));
    const byAlias = await api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'whisper-1' });
    assert.equal(byAlias.text, expected.text);
    assert.deepEqual(byAlias.usage, { type: 'duration', seconds: 5 });
    const byId = await api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'openai/whisper-tiny' });
    assert.equal(byId.text, expected.text);
  });

  it('decodes every upload container OpenAI accepts, through ffmpeg or in-process', async () => {
    for (const name of ['en_5s.mp3', 'en_5s.flac', 'en_5s.ogg', 'en_5s.webm', 'en_5s.m4a', 'en_5s_f32.wav', 'en_5s_44k_stereo.wav']) {
      const result = await api.client.audio.transcriptions.create({ file: await upload(name), model: 'whisper-1', response_format: 'verbose_json' });
      assert.ok(Math.abs(result.duration - 5) < 0.1, `${name}: duration ${result.duration}`);
      assert.ok(result.text.length > 0, name);
    }
  });

  it('text: the transcript as plain text', async () => {
    const expected = await direct.transcribe(loadClip('en_5s.wav'));
    const text = await api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'whisper-1', response_format: 'text' });
    assert.equal(text, `${expected.text.trim()}\n`);
  });

  it('verbose_json: task, language, duration and segments by default; words and segments when asked', async () => {
    const expected = await direct.transcribe(loadClip('en_5s.wav'), { timestampGranularities: ['segment'] });
    const verbose = await api.client.audio.transcriptions.create({
      file: await upload('en_5s.wav'),
      model: 'whisper-1',
      response_format: 'verbose_json',
    });
    assert.equal((verbose as unknown as { task: string }).task, 'transcribe');
    assert.equal(typeof verbose.language, 'string');
    assert.equal(verbose.duration, 5);
    assert.equal(verbose.text, expected.text);
    assert.equal(verbose.segments?.length, expected.segments.length);
    assert.ok((verbose.segments?.length ?? 0) > 0);
    for (const [i, segment] of (verbose.segments ?? []).entries()) {
      assert.deepEqual(Object.keys(segment).sort(), [
        'avg_logprob',
        'compression_ratio',
        'end',
        'id',
        'no_speech_prob',
        'seek',
        'start',
        'temperature',
        'text',
        'tokens',
      ]);
      assert.equal(segment.id, i);
      assert.equal(segment.text, expected.segments[i]?.text);
    }
    assert.equal(verbose.words, undefined);

    const both = await api.client.audio.transcriptions.create({
      file: await upload('en_5s.wav'),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word', 'segment'],
    });
    assert.ok((both.words?.length ?? 0) > 0);
    assert.ok((both.segments?.length ?? 0) > 0);
    for (const word of both.words ?? []) {
      assert.deepEqual(Object.keys(word).sort(), ['end', 'start', 'word']);
      assert.ok(word.start <= word.end);
    }
    const wordsOnly = await api.client.audio.transcriptions.create({
      file: await upload('en_5s.wav'),
      model: 'whisper-1',
      response_format: 'verbose_json',
      timestamp_granularities: ['word'],
    });
    assert.ok((wordsOnly.words?.length ?? 0) > 0);
    assert.equal(wordsOnly.segments, undefined);
  });

  it('srt and vtt: subtitle files ffprobe reads, one cue per non-blank segment', async () => {
    const verbose = await api.client.audio.transcriptions.create({
      file: await upload('en_29s.flac'),
      model: 'whisper-1',
      response_format: 'verbose_json',
    });
    const segments = (verbose.segments ?? []).filter((s) => s.text.trim() !== '').length;
    assert.ok(segments > 1);
    const srt = await api.client.audio.transcriptions.create({ file: await upload('en_29s.flac'), model: 'whisper-1', response_format: 'srt' });
    assert.match(srt, /^1\n\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d\n/);
    assert.deepEqual(probeSubtitles(srt, 'srt'), { codec: 'subrip', cues: segments });
    const vtt = await api.client.audio.transcriptions.create({ file: await upload('en_29s.flac'), model: 'whisper-1', response_format: 'vtt' });
    assert.match(vtt, /^WEBVTT\n\n\d\d:\d\d:\d\d\.\d\d\d --> /);
    assert.deepEqual(probeSubtitles(vtt, 'vtt'), { codec: 'webvtt', cues: segments });
  });

  it('stream: transcript.text.delta events that add up to transcript.text.done', async () => {
    const expected = await direct.transcribe(loadClip('en_5s.wav'));
    const stream = await api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'whisper-1', stream: true });
    let deltas = '';
    let done: OpenAI.Audio.TranscriptionTextDoneEvent | undefined;
    let count = 0;
    for await (const event of stream) {
      if (event.type === 'transcript.text.delta') {
        assert.equal(done, undefined, 'a delta after done');
        deltas += event.delta;
        count++;
      } else if (event.type === 'transcript.text.done') done = event;
    }
    assert.ok(count > 1, `${count} deltas`);
    assert.equal(deltas, expected.text);
    assert.equal(done?.text, expected.text);
    assert.deepEqual(done?.usage, { type: 'duration', seconds: 5 });
  });

  it('include[]=logprobs: each token with its log-prob and bytes, in json and in every streamed event', async () => {
    const expected = await direct.transcribe(loadClip('en_5s.wav'), { logprobs: true });
    assert.ok((expected.logprobs?.length ?? 0) > 10);
    const json = await api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'whisper-1', include: ['logprobs'] });
    assert.deepEqual(json.logprobs, expected.logprobs);
    assert.equal(Buffer.concat((json.logprobs ?? []).map((p) => Buffer.from(p.bytes ?? []))).toString('utf8'), json.text);

    const stream = await api.client.audio.transcriptions.create({
      file: await upload('en_5s.wav'),
      model: 'whisper-1',
      stream: true,
      include: ['logprobs'],
    });
    const streamed: unknown[] = [];
    let done: OpenAI.Audio.TranscriptionTextDoneEvent | undefined;
    for await (const event of stream) {
      if (event.type === 'transcript.text.delta') {
        assert.ok(Array.isArray(event.logprobs));
        streamed.push(...(event.logprobs ?? []));
      } else if (event.type === 'transcript.text.done') done = event;
    }
    assert.deepEqual(streamed, expected.logprobs);
    assert.deepEqual(done?.logprobs, expected.logprobs);

    const plain = await api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'whisper-1' });
    assert.equal('logprobs' in plain, false);
  });

  it('translations: English out, with the translate task', async () => {
    const expected = await direct.transcribe(loadClip('de_5s.wav'), { task: 'translate', timestampGranularities: ['segment'] });
    const verbose = await api.client.audio.translations.create({
      file: await upload('de_5s.wav'),
      model: 'whisper-1',
      response_format: 'verbose_json',
    });
    assert.equal(verbose.text, expected.text);
    assert.equal((verbose as unknown as { task: string }).task, 'translate');
    const json = await api.client.audio.translations.create({ file: await upload('de_5s.wav'), model: 'whisper-1' });
    const plain = await direct.transcribe(loadClip('de_5s.wav'), { task: 'translate' });
    assert.equal(json.text, plain.text);
  });

  it('language, prompt and temperature reach the engine', async () => {
    const options = { language: 'de', prompt: 'Guten Tag', temperature: 0 } as const;
    const expected = await direct.transcribe(loadClip('de_5s.wav'), options);
    const result = await api.client.audio.transcriptions.create({ file: await upload('de_5s.wav'), model: 'whisper-1', ...options });
    assert.equal(result.text, expected.text);
    const verbose = await api.client.audio.transcriptions.create({
      file: await upload('de_5s.wav'),
      model: 'whisper-1',
      language: 'de',
      response_format: 'verbose_json',
    });
    assert.equal(verbose.language, 'german');
  });

  it('refuses chunking_strategy auto without a voice activity detector; takes raw PCM with its rate, and the same API under /v3', async () => {
    // The fixtures have no Silero VAD (test/real/vadTranscription.real.ts has the real one).
    await assert.rejects(
      api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'whisper-1', chunking_strategy: 'auto' }),
      (error: InstanceType<typeof OpenAI.APIError>) => {
        assert.equal(error.status, 400);
        assert.equal((error.error as { param?: string }).param, 'chunking_strategy');
        assert.match(error.message, /chunking_strategy needs a voice activity detector: This server has no vad model/);
        return true;
      },
    );
    const expected = await direct.transcribe(loadClip('en_5s.wav'));

    const wav = clip('en_5s.wav');
    const pcm = wav.subarray(44);
    const form = new FormData();
    form.append('file', new Blob([pcm], { type: 'audio/pcm' }), 'audio.pcm');
    form.append('sample_rate', '16000');
    const response = await fetch(`${api.server.url}/v3/audio/transcriptions`, { method: 'POST', body: form });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { text: string }).text, expected.text);
  });
});

describe('http: the server default of chunking_strategy', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer({ chunkingStrategy: 'auto' });
  });
  after(() => api.server.close());

  it('cuts at speech when a request sets none, and in 30 s windows when it asks for "none"', async () => {
    // The fixtures have no voice activity detector: a request cut at speech is refused, saying so.
    await assert.rejects(
      api.client.audio.transcriptions.create({ file: await upload('en_5s.wav'), model: 'whisper-1' }),
      /needs a voice activity detector/,
    );
    const form = new FormData();
    form.append('file', new Blob([clip('en_5s.wav')], { type: 'audio/wav' }), 'en_5s.wav');
    form.append('chunking_strategy', 'none');
    const response = await fetch(`${api.server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
    assert.equal(response.status, 200, await response.clone().text());
  });
});
