import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SpeechEngine, type SpeakOptions, type Speech } from '../../src/engine/SpeechEngine.js';
import type { OvSpeechError } from '../../src/errors.js';
import { fixtures } from '../helpers/audio.js';
import { assertLoopKeepsTicking } from '../helpers/eventLoop.js';
import { tempDir } from '../helpers/irFolder.js';
import { rejection } from '../helpers/rejection.js';
import { assertMatchesReferenceAudio, parityOptions, speechReference as reference } from '../helpers/speechReference.js';

const modelDir = path.join(fixtures, 'models', 'tiny-speecht5');

// Five sentences of about the same length. The tiny model stops after roughly 2 decoder steps per token,
// give or take half (test/fixtures/README.md); the streaming test bounds the steps per token (maxlenratio 4
// is 2 steps) so that no sentence runs long and the work follows the text's length.
const FIVE_SENTENCES =
  'The first sentence is here now. The second one follows it close. Then there comes the third one! ' +
  'Is this the fourth one, then? And this is the fifth and last.';

describe('speech engine: errors', () => {
  let engine: SpeechEngine;
  before(async () => {
    engine = await SpeechEngine.load(modelDir, { inferencePrecision: 'f32' });
  });
  after(() => engine.dispose());

  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['empty input', () => engine.synthesize('   '), /^input is empty$/],
    ['4097 characters', () => engine.synthesize('a'.repeat(4097)), /^input has 4097 characters; at most 4096 are allowed$/],
    [
      'an unknown voice, listing the voices',
      () => engine.synthesize('Hello.', { voice: 'baritone' }),
      /^unknown voice "baritone"; this model has: .*alloy.*alto.*default.*tenor/,
    ],
    ['a control character', () => engine.synthesize('Hello\u0007 world.'), /^input contains the control character U\+0007 at character 5$/],
    [
      'text in a script the tokenizer cannot read',
      () => engine.synthesize('你好，世界。'),
      /^the model's tokenizer can read none of the characters in the input$/,
    ],
    [
      'a speed out of range',
      () => engine.synthesize('Hello.', { speed: 5 }),
      /^Expected number between 0.25 and 4 for speed but received 5 of type number$/,
    ],
    [
      'a sample rate out of range',
      () => engine.synthesize('Hello.', { sampleRate: 999 }),
      /^Expected integer between 1000 and 384000 for sampleRate but received 999 of type number$/,
    ],
    [
      'a fractional sample rate',
      () => engine.synthesize('Hello.', { sampleRate: 22050.5 }),
      /^Expected integer between 1000 and 384000 for sampleRate but received 22050.5 of type number$/,
    ],
    [
      "an option SpeechT5 does not have (Piper's), naming it",
      () => engine.synthesize('Hello.', { familyOptions: { noise_scale: 0.667 } }),
      /^unknown option "noise_scale" for a speecht5 model; it takes: minlenratio, maxlenratio, threshold$/,
    ],
    [
      'a family option out of its range',
      () => engine.synthesize('Hello.', { familyOptions: { maxlenratio: 0 } }),
      /^Expected number between 0.01 and 100 for maxlenratio but received 0 of type number$/,
    ],
    [
      'family options that disagree with each other',
      () => engine.synthesize('Hello.', { familyOptions: { minlenratio: 5, maxlenratio: 1 } }),
      /^decoding needs 0 <= minlenratio <= maxlenratio, maxlenratio > 0 and threshold > 0$/,
    ],
  ];
  for (const [what, call, message] of cases) {
    it(`rejects ${what} with INVALID_ARGUMENT and keeps serving`, async () => {
      const error = await rejection(call());
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, message);
      assert.ok((await engine.synthesize('Hello.')).audio.length > 0);
    });
  }

  it("reports its family's options, so that no other layer names them", () => {
    assert.deepEqual(engine.familyOptions, [
      { name: 'minlenratio', default: 0, min: 0, max: 100, integer: false },
      { name: 'maxlenratio', default: 20, min: 0.01, max: 100, integer: false },
      { name: 'threshold', default: 0.5, min: 0.001, max: 2, integer: false },
    ]);
  });

  it('rejects a model folder that is not text-to-speech, and one missing a file', async () => {
    assert.equal((await rejection(SpeechEngine.load(path.join(fixtures, 'models', 'tiny-whisper')))).code, 'UNSUPPORTED_MODEL');
    const broken = path.join(tempDir('speech-broken'), 'tts');
    mkdirSync(broken);
    copyFileSync(path.join(modelDir, 'config.json'), path.join(broken, 'config.json'));
    const error = await rejection(SpeechEngine.load(broken));
    assert.equal(error.code, 'UNSUPPORTED_MODEL');
    assert.match(error.message, /openvino_decoder_model\.xml is missing/);
  });
});

// GenAI parity: speechParity.test.ts.

// The other suites pin f32. This one keeps the CPU plugin's default precision (bf16 where the CPU has
// it), in which a decoder once read the previous unit's freed encoder output on a same-length text and
// returned NaN or silence from the second call on.
describe('speech engine: repeated calls on one worker', () => {
  let engine: SpeechEngine;
  before(async () => {
    engine = await SpeechEngine.load(modelDir, { workers: 1 });
  });
  after(() => engine.dispose());

  it('gives finite, audible audio that does not depend on the calls before', async () => {
    const options: SpeakOptions = { normalize: false, splitSentences: false };
    // 'Howdy there.' has as many tokens as 'Hello there.'; the long text changes every input shape.
    const texts = ['Hello there.', 'Hello there.', 'Howdy there.', 'Hello there.', 'A much longer sentence, really.', 'Howdy there.', 'Hello there.'];
    const first = new Map<string, Float32Array>();
    for (const [call, text] of texts.entries()) {
      const { audio } = await engine.synthesize(text, options);
      let squares = 0;
      for (const sample of audio) {
        assert.ok(Number.isFinite(sample), `call ${call} (${text}): non-finite sample ${sample}`);
        squares += sample * sample;
      }
      const rms = Math.sqrt(squares / audio.length);
      assert.ok(rms > 1e-3, `call ${call} (${text}): RMS ${rms} is silence`);
      // The fixture pins the prenet dropout's seeds, so OpenVINO draws the same mask on every call: a text
      // gives the same audio whatever came before it, as on a fresh worker.
      const earlier = first.get(text);
      if (!earlier) first.set(text, audio);
      else assert.deepEqual(audio, earlier, `call ${call} (${text}): ${audio.length} samples, first call ${earlier.length}`);
    }
  });
});

describe('speech engine: voices, speed, normalizer', () => {
  let engine: SpeechEngine;
  before(async () => {
    const extra = tempDir('speech-voices');
    copyFileSync(path.join(modelDir, 'voices', 'alto.bin'), path.join(extra, 'mezzo.bin'));
    engine = await SpeechEngine.load(modelDir, { inferencePrecision: 'f32', voicesDir: extra, voiceAliases: { nova: 'tenor' } });
  });
  after(() => engine.dispose());

  it("lists its own voices, the extra folder's and every OpenAI name", () => {
    const { names, default: fallback } = engine.voices();
    assert.equal(fallback, 'default');
    for (const name of [
      'default',
      'alto',
      'tenor',
      'mezzo',
      'alloy',
      'ash',
      'ballad',
      'coral',
      'echo',
      'fable',
      'nova',
      'onyx',
      'sage',
      'shimmer',
      'verse',
    ]) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
  });

  it('resolves aliases and OpenAI names to real voices', async () => {
    const options: SpeakOptions = { normalize: false, splitSentences: false };
    const tenor = await engine.synthesize('Hello world.', { ...options, voice: 'tenor' });
    const nova = await engine.synthesize('Hello world.', { ...options, voice: 'nova' });
    assert.deepEqual(nova.audio, tenor.audio);
    const alto = await engine.synthesize('Hello world.', { ...options, voice: 'alto' });
    const mezzo = await engine.synthesize('Hello world.', { ...options, voice: 'mezzo' });
    assert.deepEqual(mezzo.audio, alto.audio);
    assert.ok((await engine.synthesize('Hello world.', { ...options, voice: 'shimmer' })).audio.length > 0);
  });

  it('changes the duration by 1/speed', async () => {
    const base = await engine.synthesize('Hello world.', { speed: 1 });
    for (const speed of [0.5, 2]) {
      const stretched = await engine.synthesize('Hello world.', { speed });
      const target = base.audio.length / speed;
      assert.ok(Math.abs(stretched.audio.length - target) / target < 0.01, `speed ${speed}: ${stretched.audio.length} vs ${target}`);
    }
  });

  // The tiny SpeechT5's max_text_positions is 450: 449 characters are 451 tokens with the word-boundary
  // piece and </s>; "$" and 100 sevens spell out to 607 characters.
  it('refuses, without sentence splitting, text of more tokens than the model takes, naming input', async () => {
    for (const [input, tokens] of [
      ['a'.repeat(449), 451],
      [`$${'7'.repeat(100)}`, 609],
    ] as const) {
      const error = await rejection(engine.synthesize(input, { splitSentences: false }));
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.equal((error as OvSpeechError).param, 'input');
      assert.equal(error.message, `input has ${tokens} tokens once spelled out; without sentence splitting the model takes at most 450`);
    }
    const literal = await rejection(engine.synthesize('.'.repeat(4096), { splitSentences: false, normalize: false }));
    assert.equal(literal.message, 'input has 4098 tokens; without sentence splitting the model takes at most 450');
  });

  it('with sentence splitting, cuts text of more tokens than the model takes so that every unit fits', async () => {
    // The shortest decoding keeps this fast: the units are what is tested.
    const options: SpeakOptions = { familyOptions: { maxlenratio: 0.05 }, voice: 'alloy' };
    for (const [input, units] of [
      ['a'.repeat(449), 2],
      [`$${'7'.repeat(100)}`, 2],
      ['.'.repeat(4096), 10],
      ['a, '.repeat(1300), 9],
    ] as const) {
      const speech = await engine.synthesize(input, options);
      assert.equal(speech.units, units, input.slice(0, 10));
    }
  });

  it('spells out numbers before synthesis unless told not to', async () => {
    const spelled = await engine.synthesize('Call 555 at 10:45.', { splitSentences: false });
    const literal = await engine.synthesize('Call 555 at 10:45.', { normalize: false, splitSentences: false });
    const words = await engine.synthesize('Call five hundred fifty-five at ten forty-five.', { normalize: false, splitSentences: false });
    assert.deepEqual(spelled.audio, words.audio);
    assert.notDeepEqual(spelled.audio, literal.audio);
  });
});

describe('speech engine: streaming, concurrency, cancellation', () => {
  let engine: SpeechEngine;
  before(async () => {
    engine = await SpeechEngine.load(modelDir, { inferencePrecision: 'f32', workers: 2 });
  });
  after(() => engine.dispose());

  it('streams a chunk per sentence, the first while the rest is still being made', async () => {
    let runningAtFirstChunk = 0;
    let chunks = 0;
    const speech = await engine.synthesize(FIVE_SENTENCES, {
      familyOptions: { maxlenratio: 4 },
      onChunk: () => {
        if (chunks++ === 0) runningAtFirstChunk = engine.stats().running;
      },
    });
    assert.equal(speech.units, 5);
    assert.equal(chunks, 5);
    // Chunk by chunk, not all at the end: the synthesis was still running when the first chunk arrived.
    assert.equal(runningAtFirstChunk, 1);
    assert.ok(speech.realTimeFactor > 0 && Number.isFinite(speech.realTimeFactor));
    assert.ok(speech.timings.decoderSteps > 0 && speech.timings.vocoderMs > 0);
  });

  it('gives 8 concurrent calls exactly the audio of 8 sequential ones', async () => {
    const texts = reference.cases.slice(0, 8).map((item) => [item.text, parityOptions(item)] as const);
    const sequential: Speech[] = [];
    for (const [text, options] of texts) sequential.push(await engine.synthesize(text, options));
    const concurrent = await Promise.all(texts.map(([text, options]) => engine.synthesize(text, options)));
    for (const [i, speech] of concurrent.entries()) assert.deepEqual(speech.audio, sequential[i]!.audio, texts[i]![0]);
  });

  it('keeps the event loop ticking during a long synthesis', async () => {
    await assertLoopKeepsTicking(() => engine.synthesize(FIVE_SENTENCES.repeat(3)), 300);
  });

  it('stops an aborted synthesis early, and the next one is unaffected', async () => {
    const single = await SpeechEngine.load(modelDir, { inferencePrecision: 'f32', workers: 1 });
    after(() => single.dispose());
    const long = FIVE_SENTENCES.repeat(3);
    const full = performance.now();
    await single.synthesize(long);
    const fullMs = performance.now() - full;
    const controller = new AbortController();
    const started = performance.now();
    const aborted = single.synthesize(long, { signal: controller.signal });
    setTimeout(() => controller.abort(), fullMs / 10);
    assert.equal((await rejection(aborted)).code, 'CANCELLED');
    const abortedMs = performance.now() - started;
    assert.ok(abortedMs < fullMs / 2, `aborted after ${abortedMs.toFixed(0)} ms of ${fullMs.toFixed(0)} ms`);
    const item = reference.cases[0]!;
    assertMatchesReferenceAudio((await single.synthesize(item.text, parityOptions(item))).audio, item);
  });
});
