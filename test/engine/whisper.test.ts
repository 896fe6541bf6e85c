import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BATCHED_WORKERS, WhisperEngine, type TokenLogprob, type Transcription, type TranscribeOptions } from '../../src/engine/WhisperEngine.js';
import { addon } from '../../src/native/binding.js';
import { fixtures, loadClip } from '../helpers/audio.js';
import { assertLoopKeepsTicking } from '../helpers/eventLoop.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/irFolder.js';
import { waitFor } from '../helpers/waitFor.js';

const modelDir = path.join(fixtures, 'models', 'tiny-whisper');

interface ReferenceCase {
  id: string;
  audio: string;
  config: {
    language?: string;
    task?: 'transcribe' | 'translate';
    return_timestamps?: boolean;
    initial_prompt?: string;
    max_new_tokens?: number;
    word_timestamps?: boolean;
  };
  text: string;
  tokens: number[];
  language: string;
  chunks: { start: number; end: number; text: string }[];
  words: { word: string; start: number; end: number; tokens: number[] }[];
}

const reference = JSON.parse(readFileSync(path.join(fixtures, 'reference', 'whisper.json'), 'utf8')) as { cases: ReferenceCase[] };
const greedyCases = reference.cases.filter((c) => !c.config.word_timestamps);
const wordCases = reference.cases.filter((c) => c.config.word_timestamps);
const caseById = (id: string) => greedyCases.find((c) => c.id === id) ?? assert.fail(`no case ${id}`);

function optionsOf(item: ReferenceCase): TranscribeOptions {
  const { language, task, return_timestamps, initial_prompt, max_new_tokens } = item.config;
  const options: TranscribeOptions = {};
  if (language !== undefined) options.language = language.slice(2, -2);
  if (task !== undefined) options.task = task;
  const granularities: ('segment' | 'word')[] = [];
  if (return_timestamps) granularities.push('segment');
  if (item.config.word_timestamps) granularities.push('word');
  if (granularities.length > 0) options.timestampGranularities = granularities;
  if (initial_prompt !== undefined) options.prompt = initial_prompt;
  if (max_new_tokens !== undefined) options.maxNewTokens = max_new_tokens;
  return options;
}

function assertMatchesReference(result: Transcription, item: ReferenceCase): void {
  assert.deepEqual(result.tokens, item.tokens, `${item.id}: tokens`);
  assert.equal(result.text, item.text, `${item.id}: text`);
  assert.equal(result.language, item.language, `${item.id}: language`);
  assert.deepEqual(
    result.segments.map((s) => [Math.fround(s.start), Math.fround(s.end), s.text]),
    item.chunks.map((c) => [Math.fround(c.start), Math.fround(c.end), c.text]),
    `${item.id}: segments`,
  );
}

describe('whisper engine: errors', () => {
  let engine: WhisperEngine;
  const clip = loadClip('en_1s.wav');
  before(async () => {
    engine = await WhisperEngine.load(modelDir, { inferencePrecision: 'f32' });
  });
  after(() => engine.dispose());

  const cases: [string, () => Promise<unknown>, string, RegExp][] = [
    ['an empty buffer', () => engine.transcribe({ samples: new Float32Array(0), sampleRate: 16000, channels: 1 }), 'INVALID_ARGUMENT', /empty/],
    [
      'NaN samples',
      () => engine.transcribe({ samples: Float32Array.from([0.1, NaN, 0.2]), sampleRate: 16000, channels: 1 }),
      'INVALID_ARGUMENT',
      /^sample 1 \(frame 1, channel 0\) is NaN/,
    ],
    ['0 Hz', () => engine.transcribe({ ...clip, sampleRate: 0 }), 'INVALID_ARGUMENT', /sample rate .*got 0/i],
    ['1000 channels', () => engine.transcribe({ ...clip, channels: 1000 }), 'INVALID_ARGUMENT', /channel count must be between 1 and 64, got 1000/],
    [
      'a sample count that is not a multiple of the channels',
      () => engine.transcribe({ samples: new Float32Array(16001), sampleRate: 16000, channels: 2 }),
      'INVALID_ARGUMENT',
      /multiple/i,
    ],
    [
      'audio shorter than half an FFT window',
      () => engine.transcribe({ samples: new Float32Array(100), sampleRate: 16000, channels: 1 }),
      'INVALID_ARGUMENT',
      /^audio is too short for Whisper features: it needs more than 200 samples, got 100$/,
    ],
    ['an unknown language', () => engine.transcribe(clip, { language: 'xx' }), 'INVALID_ARGUMENT', /language xx is not one this model knows/],
  ];
  for (const [what, call, code, message] of cases) {
    it(`rejects ${what} with ${code} and keeps serving`, async () => {
      const error = await rejection(call());
      assert.equal(error.code, code);
      assert.match(error.message, message);
      const ok = await engine.transcribe(clip, { language: 'en', maxNewTokens: 4 });
      assert.equal(ok.tokens.length, 4);
    });
  }

  it("reports the shortest audio it takes from its feature extractor's config, and takes exactly that", async () => {
    // preprocessor_config.json: n_fft 400 at 16 kHz; the features need more than n_fft / 2 samples.
    assert.deepEqual(engine.minimumAudio, { samples: 201, sampleRate: 16000 });
    const { samples: needed, sampleRate } = engine.minimumAudio;
    const error = await rejection(engine.transcribe({ samples: new Float32Array(needed - 1).fill(0.1), sampleRate, channels: 1 }));
    assert.equal(error.message, `audio is too short for Whisper features: it needs more than ${needed - 1} samples, got ${needed - 1}`);
    const enough = await engine.transcribe(
      { samples: new Float32Array(needed).fill(0.1), sampleRate, channels: 1 },
      { language: 'en', maxNewTokens: 2 },
    );
    assert.ok(Math.abs(enough.duration - needed / sampleRate) < 1e-6, `duration ${enough.duration}`);
  });

  it('validates options with exact messages before queuing', async () => {
    await assert.rejects(engine.transcribe(clip, { temperature: 2 }), {
      code: 'INVALID_ARGUMENT',
      message: 'Expected number between 0 and 1 for temperature but received 2 of type number',
    });
    await assert.rejects(engine.transcribe(clip, { language: 'English' }), {
      message: 'Expected ISO-639-1 language code such as "en" for language but received "English" of type string',
    });
    await assert.rejects(engine.transcribe(clip, { maxNewTokens: 0 }), {
      message: 'Expected integer between 1 and 448 for maxNewTokens but received 0 of type number',
    });
    await assert.rejects(engine.transcribe(clip, { logprobs: 'yes' as unknown as boolean }), {
      message: 'Expected boolean for logprobs but received "yes" of type string',
    });
  });

  it('checks every numeric option natively before any cast: NaN, -1, 1.5, 1e30, Infinity, a string', async () => {
    const rules: [keyof TranscribeOptions, string][] = [
      ['maxNewTokens', 'integer between 1 and 448'],
      ['seed', 'integer between 0 and 9007199254740991'],
      ['temperature', 'number between 0 and 1'],
    ];
    const received: [unknown, string][] = [
      [NaN, 'NaN of type number'],
      [-1, '-1 of type number'],
      [1.5, '1.5 of type number'],
      [1e30, '1e+30 of type number'],
      [-Infinity, '-Infinity of type number'],
      ['3', '"3" of type string'],
    ];
    for (const [option, expected] of rules) {
      for (const [value, described] of received) {
        if (option === 'temperature' && value === 1.5) continue; // checked below: out of range, not a fraction
        const error = await rejection(engine.transcribe(clip, { [option]: value }));
        assert.equal(error.code, 'INVALID_ARGUMENT');
        assert.equal(error.param, option);
        assert.equal(error.message, `Expected ${expected} for ${option} but received ${described}`);
      }
    }
    await assert.rejects(engine.transcribe(clip, { temperature: 1.5 }), {
      message: 'Expected number between 0 and 1 for temperature but received 1.5 of type number',
    });
    assert.equal((await engine.transcribe(clip, { language: 'en', maxNewTokens: 3, seed: 0, temperature: 0.5 })).tokens.length, 3);
  });

  it("bounds maxNewTokens by the model's own max_length, not a fixed 448", async () => {
    const folder = path.join(tempDir('whisper-max-length'), 'tiny-whisper');
    mkdirSync(folder);
    for (const file of readdirSync(modelDir)) {
      if (file !== 'generation_config.json') symlinkSync(path.join(modelDir, file), path.join(folder, file));
    }
    const generation = JSON.parse(readFileSync(path.join(modelDir, 'generation_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(folder, 'generation_config.json'), JSON.stringify({ ...generation, max_length: 100 }));
    const shorter = await WhisperEngine.load(folder);
    try {
      await assert.rejects(shorter.transcribe(clip, { maxNewTokens: 101 }), {
        code: 'INVALID_ARGUMENT',
        message: 'Expected integer between 1 and 100 for maxNewTokens but received 101 of type number',
      });
      assert.equal((await shorter.transcribe(clip, { language: 'en', maxNewTokens: 2 })).tokens.length, 2);
    } finally {
      await shorter.dispose();
    }
  });

  it('checks numStreams natively before the cast', async () => {
    for (const [value, described] of [
      [NaN, 'NaN'],
      [0, '0'],
      [1.5, '1.5'],
      [1e30, '1e+30'],
    ] as const) {
      const error = await rejection(WhisperEngine.load(modelDir, { numStreams: value }));
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.equal(error.message, `Expected integer between 1 and 2147483647 for numStreams but received ${described} of type number`);
    }
  });

  it('rejects a model folder missing a file, naming it', async () => {
    const broken = path.join(tempDir('whisper-broken'), 'tiny-whisper');
    mkdirSync(broken);
    for (const file of [
      'config.json',
      'generation_config.json',
      'preprocessor_config.json',
      'openvino_encoder_model.xml',
      'openvino_encoder_model.bin',
    ]) {
      symlinkSync(path.join(modelDir, file), path.join(broken, file));
    }
    const error = await rejection(WhisperEngine.load(broken));
    assert.equal(error.code, 'UNSUPPORTED_MODEL');
    assert.match(error.message, /openvino_decoder_model\.xml is missing/);
    assert.equal((await rejection(WhisperEngine.load(path.join(broken, 'nowhere')))).code, 'MODEL_NOT_FOUND');
  });

  it('passes compile options to OpenVINO: a cache dir fills with compiled blobs, an unknown property is refused', async () => {
    const cacheDir = tempDir('whisper-cache');
    const cached = await WhisperEngine.load(modelDir, { cacheDir, pluginConfig: { DYNAMIC_QUANTIZATION_GROUP_SIZE: 0 } });
    await cached.dispose();
    assert.ok(
      readdirSync(cacheDir).some((file) => file.endsWith('.blob')),
      `no compiled blob in ${cacheDir}`,
    );
    const error = await rejection(WhisperEngine.load(modelDir, { pluginConfig: { NOT_AN_OPENVINO_PROPERTY: 1 } }));
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(
      error.message,
      'cannot compile openvino_encoder_model for device CPU: the compile settings are not valid: NotFound: Unsupported property NOT_AN_OPENVINO_PROPERTY by CPU plugin.',
    );
  });

  it('refuses an absent device with INVALID_ARGUMENT naming it and the available ones', async () => {
    const error = await rejection(WhisperEngine.load(modelDir, { device: 'NPU' }));
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.param, 'device');
    assert.match(error.message, /^cannot compile openvino_encoder_model for device NPU: device NPU is not available \(available devices: .*CPU.*\)$/);
  });
});

describe('whisper engine: GenAI parity', () => {
  let engine: WhisperEngine;
  before(async () => {
    engine = await WhisperEngine.load(modelDir, { inferencePrecision: 'f32' });
  });
  after(() => engine.dispose());

  for (const item of greedyCases) {
    it(`matches GenAI on ${item.id}`, async () => {
      assertMatchesReference(await engine.transcribe(loadClip(item.audio), optionsOf(item)), item);
    });
  }

  for (const item of wordCases) {
    it(`matches GenAI's word timestamps within 20 ms on ${item.id}`, async () => {
      const result = await engine.transcribe(loadClip(item.audio), optionsOf(item));
      assertMatchesReference(result, item);
      assert.deepEqual(
        result.words.map((w) => [w.word, w.tokens]),
        item.words.map((w) => [w.word, w.tokens]),
      );
      const deviation = Math.max(...result.words.flatMap((w, i) => [Math.abs(w.start - item.words[i]!.start), Math.abs(w.end - item.words[i]!.end)]));
      assert.ok(deviation <= 0.02, `word times deviate by up to ${deviation} s`);
      assert.ok(result.words.every((w) => w.probability >= 0 && w.probability <= 1));
    });
  }

  it('resamples and down-mixes 44.1 kHz stereo itself', async () => {
    const result = await engine.transcribe(loadClip('en_5s_44k_stereo.wav'), { language: 'en', maxNewTokens: 16 });
    assert.equal(result.duration, 5);
    assert.equal(result.tokens.length, 16);
  });
});

describe('whisper engine: streaming, sampling, fallback', () => {
  let engine: WhisperEngine;
  before(async () => {
    engine = await WhisperEngine.load(modelDir, { inferencePrecision: 'f32' });
  });
  after(() => engine.dispose());

  it('streams text deltas that add up to the transcript, token by token', async () => {
    const item = caseById('en_5s');
    const deltas: string[] = [];
    const result = await engine.transcribe(loadClip(item.audio), { ...optionsOf(item), onText: (d) => deltas.push(d) });
    assertMatchesReference(result, item);
    assert.ok(deltas.length > 20, `${deltas.length} deltas`);
    assert.equal(deltas.join(''), result.text);
  });

  it('posts no text events for a request that does not listen to text: no per-token detokenizing or messages', async () => {
    // The addon itself, so that every event it posts is seen (the engine drops the kinds nobody asked for).
    const model = await addon.loadWhisperModel(modelDir, { inferencePrecision: 'f32' }, { workers: 1, maxQueued: 4 });
    try {
      const item = caseById('en_5s');
      const clip = loadClip(item.audio);
      const posted = async (textEvents: boolean) => {
        const kinds: string[] = [];
        const result = await model.transcribe(
          clip.samples,
          clip.sampleRate,
          clip.channels,
          { language: 'en' },
          (event) => kinds.push(event.type),
          textEvents,
        ).promise;
        return { kinds, result };
      };
      const plain = await posted(false);
      assert.deepEqual(
        plain.kinds,
        plain.result.segments.map(() => 'segment'),
        'segments only, no text',
      );
      const streamed = await posted(true);
      assert.ok(streamed.kinds.filter((kind) => kind === 'text').length > 20, 'text token by token when listened to');
      assert.deepEqual(streamed.result.tokens, plain.result.tokens);
    } finally {
      await model.dispose();
    }
  });

  it('streams each segment once final, long-form included', async () => {
    const item = caseById('en_45s_long_form');
    const streamed: unknown[] = [];
    const deltas: string[] = [];
    const result = await engine.transcribe(loadClip(item.audio), {
      ...optionsOf(item),
      onSegment: (s) => streamed.push(s),
      onText: (d) => deltas.push(d),
    });
    assertMatchesReference(result, item);
    assert.deepEqual(streamed, result.segments);
    assert.equal(deltas.join(''), result.text);
  });

  it('reports per-window statistics and timings', async () => {
    const result = await engine.transcribe(loadClip('en_5s.wav'), { language: 'en', timestampGranularities: ['segment'] });
    const segment = result.segments[0];
    assert.ok(segment);
    assert.ok(segment.avgLogprob < 0 && Number.isFinite(segment.avgLogprob));
    assert.ok(segment.compressionRatio > 0);
    assert.ok(segment.noSpeechProb >= 0 && segment.noSpeechProb <= 1);
    assert.equal(result.tokenLogprobs.length, result.tokens.length);
    const { featuresMs, encoderMs, decoderMs, decodedTokens, totalMs } = result.timings;
    assert.ok(featuresMs > 0 && encoderMs > 0 && decoderMs > 0 && decodedTokens > 0 && totalMs >= featuresMs + encoderMs + decoderMs);
  });

  it('detects the language with a probability', async () => {
    const result = await engine.transcribe(loadClip('de_5s.wav'));
    assert.equal(result.language, caseById('de_5s_detect_language_timestamps').language);
    assert.ok(result.languageProbability > 0 && result.languageProbability <= 1);
  });

  it('samples deterministically for a seed at temperature > 0', async () => {
    const clip = loadClip('en_5s.wav');
    const options: TranscribeOptions = { language: 'en', temperature: 0.7, maxNewTokens: 40 };
    const first = await engine.transcribe(clip, { ...options, seed: 7 });
    const again = await engine.transcribe(clip, { ...options, seed: 7 });
    const other = await engine.transcribe(clip, { ...options, seed: 8 });
    assert.deepEqual(again.tokens, first.tokens);
    assert.notDeepEqual(other.tokens, first.tokens);
    assert.notDeepEqual(first.tokens, (await engine.transcribe(clip, { language: 'en', maxNewTokens: 40 })).tokens);
  });

  it('falls back to higher temperatures for windows a random model decodes poorly', async () => {
    const result = await engine.transcribe(loadClip('en_5s.wav'), {
      language: 'en',
      timestampGranularities: ['segment'],
      temperatureFallback: true,
      seed: 3,
    });
    // A random-weight model's windows have average log-probs far below -1: every fallback step is tried.
    for (const segment of result.segments) assert.equal(segment.temperature, 1);
  });
});

describe('whisper engine: logprobs', () => {
  let engine: WhisperEngine;
  before(async () => {
    engine = await WhisperEngine.load(modelDir, { inferencePrecision: 'f32' });
  });
  after(() => engine.dispose());

  const generation = JSON.parse(readFileSync(path.join(modelDir, 'generation_config.json'), 'utf8')) as {
    eos_token_id: number;
    no_timestamps_token_id: number;
  };
  // <|endoftext|> to <|notimestamps|>: what the detokenizer leaves out of the text.
  const isSpecial = (token: number) => token >= generation.eos_token_id && token <= generation.no_timestamps_token_id;
  const textOf = (logprobs: TokenLogprob[]) => Buffer.concat(logprobs.map((l) => Buffer.from(l.bytes))).toString('utf8');

  async function transcribeStreaming(clip: string, options: TranscribeOptions) {
    const deltas: { delta: string; logprobs: TokenLogprob[] | undefined }[] = [];
    const result = await engine.transcribe(loadClip(clip), { ...options, onText: (delta, logprobs) => deltas.push({ delta, logprobs }) });
    return { result, deltas };
  }

  it('gives one entry per text token, with its log-prob and bytes, that spell the text', async () => {
    const { result } = await transcribeStreaming('en_5s.wav', { language: 'en', logprobs: true });
    const logprobs = result.logprobs ?? assert.fail('no logprobs');
    const textTokenLogprobs = result.tokenLogprobs.filter((_, i) => !isSpecial(result.tokens[i]!));
    assert.equal(textTokenLogprobs.length, result.tokens.length - 1, 'all but the final <|endoftext|>');
    assert.deepEqual(
      logprobs.map((l) => l.logprob),
      textTokenLogprobs,
    );
    assert.ok(logprobs.every((l) => l.logprob <= 0 && l.bytes.length > 0));
    assert.ok(logprobs.every((l) => l.token === Buffer.from(l.bytes).toString('utf8')));
    assert.equal(textOf(logprobs), result.text);
    assert.ok(result.text.startsWith(' '), 'GenAI keeps the leading space');
    // The random model emits timestamp tokens without timestamps too: they are part of the text.
    assert.ok(logprobs.some((l) => l.token === '<|24.10|>'));
  });

  it('keeps the own bytes of tokens that are part of a character', async () => {
    const { result } = await transcribeStreaming('en_1s.wav', { language: 'en', logprobs: true });
    const logprobs = result.logprobs ?? assert.fail('no logprobs');
    const partial = logprobs.filter((l) => l.token.includes('\uFFFD'));
    assert.equal(partial.length, 4);
    for (const { bytes } of partial)
      assert.ok(bytes.length <= 3 && bytes[0]! >= 0x80 && !Buffer.from(bytes).includes(Buffer.from('\uFFFD')), `${bytes}`);
    assert.equal(textOf(logprobs), result.text);
  });

  it('streams deltas that add up to the text when tokens end inside a character, each delta only whole characters', async () => {
    const { result, deltas } = await transcribeStreaming('en_1s.wav', { language: 'en', logprobs: true });
    const partial = (result.logprobs ?? assert.fail('no logprobs')).filter((l) => l.token.includes('\uFFFD'));
    assert.ok(partial.length > 0, 'the random model ends tokens inside characters here');
    assert.ok(deltas.length > 20, `${deltas.length} deltas`);
    assert.equal(deltas.map((d) => d.delta).join(''), result.text);
    for (const [i, { delta, logprobs }] of deltas.entries()) {
      assert.equal(textOf(logprobs ?? assert.fail('a delta without logprobs')), delta);
      // A partial character is held back until a token completes it (only the last delta may end in U+FFFD).
      if (i < deltas.length - 1) assert.ok(!delta.endsWith('\uFFFD'), `delta ${i} ${JSON.stringify(delta)}`);
    }
  });

  const streamingCases: [string, TranscribeOptions][] = [
    ['token by token', { language: 'en', logprobs: true }],
    ['window by window with timestamps', { language: 'en', logprobs: true, timestampGranularities: ['segment'] }],
  ];
  for (const [how, options] of streamingCases) {
    it(`streams with each text delta the tokens it completes, ${how}`, async () => {
      const { result, deltas } = await transcribeStreaming('en_5s.wav', options);
      assert.ok(deltas.length > (options.timestampGranularities ? 0 : 20), `${deltas.length} deltas`);
      for (const { delta, logprobs } of deltas) assert.equal(textOf(logprobs ?? assert.fail('a delta without logprobs')), delta);
      assert.equal(deltas.map((d) => d.delta).join(''), result.text);
      assert.deepEqual(
        deltas.flatMap((d) => d.logprobs ?? []),
        result.logprobs,
      );
    });
  }

  it('adds nothing without the option', async () => {
    const { result, deltas } = await transcribeStreaming('en_5s.wav', { language: 'en' });
    assert.ok(!('logprobs' in result));
    assert.ok(deltas.length > 20 && deltas.every((d) => d.logprobs === undefined));
    assert.ok(!('logprobs' in (await engine.transcribe(loadClip('en_5s.wav'), { language: 'en', logprobs: false }))));
  });
});

describe('whisper engine: concurrency and cancellation', () => {
  let engine: WhisperEngine;
  before(async () => {
    engine = await WhisperEngine.load(modelDir, { inferencePrecision: 'f32', workers: 2 });
  });
  after(() => engine.dispose());

  it('batches 8 workers by default, and concurrent requests get the transcripts they get one at a time', async () => {
    const batched = await WhisperEngine.load(modelDir, { inferencePrecision: 'f32' });
    after(() => batched.dispose());
    assert.equal(batched.stats().workers, BATCHED_WORKERS);
    // Windows of different lengths, prompts and tasks join and leave the batch at different steps.
    const results = await Promise.all(greedyCases.map((item) => batched.transcribe(loadClip(item.audio), optionsOf(item))));
    results.forEach((result, i) => assertMatchesReference(result, greedyCases[i]!));
  });

  it('keeps the event loop ticking throughout a long transcription', async () => {
    const item = caseById('en_95s_long_form');
    const clip = loadClip(item.audio);
    const result = await assertLoopKeepsTicking(() => engine.transcribe(clip, optionsOf(item)), 300);
    assertMatchesReference(result, item);
  });

  it('stops an aborted request early, and the next request on the same worker is unaffected', async () => {
    const engine = await WhisperEngine.load(modelDir, { inferencePrecision: 'f32', workers: 1 });
    after(() => engine.dispose());
    const long = caseById('en_95s_long_form');
    const clip = loadClip(long.audio);
    const full = performance.now();
    await engine.transcribe(clip, optionsOf(long));
    const fullMs = performance.now() - full;

    const controller = new AbortController();
    let deltas = 0;
    const started = performance.now();
    const aborted = engine.transcribe(clip, { ...optionsOf(long), signal: controller.signal, onText: () => void deltas++ });
    setTimeout(() => controller.abort(), fullMs / 10);
    const error = await rejection(aborted);
    const abortedMs = performance.now() - started;
    assert.equal(error.code, 'CANCELLED');
    assert.ok(abortedMs < fullMs / 2, `aborted after ${abortedMs.toFixed(0)} ms of a ${fullMs.toFixed(0)} ms job`);
    await assert.rejects(engine.transcribe(clip, { signal: AbortSignal.abort() }), { code: 'CANCELLED' });

    const item = caseById('en_5s_timestamps');
    assertMatchesReference(await engine.transcribe(loadClip(item.audio), optionsOf(item)), item);
    // The worker counts a job done just after it hands the result over.
    await waitFor(() => engine.stats().running === 0, 'the worker to count its job done');
    assert.deepEqual({ ...engine.stats(), completed: 0 }, { workers: 1, queued: 0, running: 0, completed: 0, maxQueued: 64 });
  });

  it("fails a request whose listener throws, with the listener's error", async () => {
    const thrown = new Error('listener failed');
    await assert.rejects(
      engine.transcribe(loadClip('en_5s.wav'), {
        language: 'en',
        onText: () => {
          throw thrown;
        },
      }),
      (error) => error === thrown,
    );
  });

  it('gives 8 concurrent calls exactly what 8 sequential calls give', async () => {
    const items = greedyCases.filter((c) => !c.audio.includes('95s')).slice(0, 8);
    const clips = items.map((item) => loadClip(item.audio));
    const sequential: Transcription[] = [];
    for (const [i, item] of items.entries()) sequential.push(await engine.transcribe(clips[i]!, optionsOf(item)));
    const concurrent = await Promise.all(items.map((item, i) => engine.transcribe(clips[i]!, optionsOf(item))));
    for (const [i, item] of items.entries()) {
      assertMatchesReference(sequential[i]!, item);
      assert.deepEqual(concurrent[i]!.tokens, sequential[i]!.tokens, item.id);
      assert.deepEqual(concurrent[i]!.segments, sequential[i]!.segments, item.id);
    }
    assert.ok(engine.stats().completed >= 16);
  });
});

describe('whisper engine: queue limit and disposal', () => {
  it('refuses work beyond its queue with OVERLOADED; disposal fails queued and later work with UNAVAILABLE', async () => {
    const engine = await WhisperEngine.load(modelDir, { inferencePrecision: 'f32', workers: 1, maxQueued: 1 });
    const clip = loadClip('en_5s.wav');
    // 45 s of speech (two windows) keep the only worker busy while the queue fills and the model is disposed.
    const running = engine.transcribe(loadClip('en_45s.flac'), { language: 'en' });
    await waitFor(() => engine.stats().running === 1, 'the first transcription to start');
    const queued = engine.transcribe(clip, { language: 'en' });
    const refused = await rejection(engine.transcribe(clip, { language: 'en' }));
    assert.equal(refused.code, 'OVERLOADED');
    assert.match(refused.message, /queue is full \(1 waiting\)/);
    const disposed = engine.dispose();
    // The server unloaded the model: not the client's cancellation (CANCELLED), but "retry" (UNAVAILABLE).
    const abandoned = await rejection(queued);
    assert.equal(abandoned.code, 'UNAVAILABLE');
    assert.equal(abandoned.message, 'the model is being unloaded or is not loaded; retry');
    assert.ok((await running).text.length > 0, 'the running request finishes');
    await disposed;
    const later = await rejection(engine.transcribe(clip));
    assert.equal(later.code, 'UNAVAILABLE');
  });
});
