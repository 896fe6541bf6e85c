import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readSentences, VOICES, withWhiteNoise } from '../accuracy/corpus.js';
import { wordErrorRate, wordErrors } from '../accuracy/wer.js';

describe('accuracy suite: word error rate', () => {
  it('counts the fewest substitutions, deletions and insertions', () => {
    assert.deepEqual(wordErrors('the cat sat on the mat', 'the cat sat on the mat'), { substitutions: 0, deletions: 0, insertions: 0, words: 6 });
    assert.deepEqual(wordErrors('the cat sat on the mat', 'the bat sat on mat'), { substitutions: 1, deletions: 1, insertions: 0, words: 6 });
    assert.deepEqual(wordErrors('a b', 'x a b y'), { substitutions: 0, deletions: 0, insertions: 2, words: 2 });
    assert.deepEqual(wordErrors('a b c', ''), { substitutions: 0, deletions: 3, insertions: 0, words: 3 });
    assert.deepEqual(wordErrors('', 'a'), { substitutions: 0, deletions: 0, insertions: 1, words: 0 });
  });

  it('is all errors over all reference words, not a mean of sentence rates', () => {
    const errors = [wordErrors('a', 'b'), wordErrors('a b c d e f g h i', 'a b c d e f g h i')];
    assert.equal(wordErrorRate(errors), 1 / 10);
    assert.equal(wordErrorRate([]), 0);
  });
});

describe('accuracy suite: corpus', () => {
  it('has at least 100 distinct sentences, spoken by every voice', () => {
    const sentences = readSentences();
    assert.ok(sentences.length >= 100, `${sentences.length} sentences`);
    assert.equal(new Set(sentences.map((s) => s.text)).size, sentences.length);
    assert.deepEqual(new Set(sentences.map((s) => s.voice)), new Set(VOICES));
  });

  it('adds seeded white noise at the asked signal-to-noise ratio', () => {
    const clean = Float32Array.from({ length: 160_000 }, (_, i) => 0.3 * Math.sin(i / 7));
    const noisy = withWhiteNoise(clean, 10, 42);
    assert.deepEqual(withWhiteNoise(clean, 10, 42), noisy);
    assert.notDeepEqual(withWhiteNoise(clean, 10, 43), noisy);
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < clean.length; i++) {
      signal += clean[i]! ** 2;
      noise += (noisy[i]! - clean[i]!) ** 2;
    }
    const snr = 10 * Math.log10(signal / noise);
    assert.ok(Math.abs(snr - 10) < 0.05, `SNR ${snr} dB`);
  });
});
