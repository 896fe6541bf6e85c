import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SentenceSplitter } from '../../src/speech/sentences.js';
import { sseData } from '../../src/http/chat/sseEvents.js';

/** Every sentence the splitter gives for text arriving in `pieces`, the rest included. */
function split(pieces: string[], maxCharacters = 4096): string[] {
  const splitter = new SentenceSplitter(maxCharacters);
  return [...pieces.flatMap((piece) => splitter.push(piece)), ...splitter.flush()];
}

async function collect(pieces: string[]): Promise<string[]> {
  const events: string[] = [];
  for await (const data of sseData(
    (async function* () {
      yield* pieces;
    })(),
  ))
    events.push(data);
  return events;
}

describe('chat: sentences of a reply as it arrives', () => {
  it('gives a sentence once the white space after its end has arrived, keeping every character', () => {
    const splitter = new SentenceSplitter(4096);
    assert.deepEqual(splitter.push('Hello there'), []);
    assert.deepEqual(splitter.push('. It is 3.5'), ['Hello there. ']);
    assert.deepEqual(splitter.push(' degrees!'), []);
    assert.deepEqual(splitter.push('\nWhy? "Yes." Fine'), ['It is 3.5 degrees!\n', 'Why? ', '"Yes." ']);
    assert.deepEqual(splitter.flush(), ['Fine']);
    assert.deepEqual(splitter.flush(), []);
  });

  it('ends sentences at line breaks and CJK full stops, which have no space after them', () => {
    assert.deepEqual(split(['- one\n- two', '\n\n你好。再见！']), ['- one\n', '- two\n', '\n', '你好。', '再见！']);
  });

  it('cuts a run longer than the limit as the synthesizer does: after a clause mark, else at white space, else at the limit', () => {
    assert.deepEqual(split(['aaa bbb ccc ddd'], 8), ['aaa bbb ', 'ccc ddd']);
    assert.deepEqual(split(['one two, three four'], 14), ['one two, ', 'three four']);
    assert.deepEqual(split(['abcdefghij'], 4), ['abcd', 'efgh', 'ij']);
    // The limit counts code points, as the synthesizer's does: an emoji is one, never cut in half.
    assert.deepEqual(split(['ab😀cd'], 3), ['ab😀', 'cd']);
  });

  /** `text` pushed 1, 2, 3, 1, 2, 3... UTF-16 units at a time (an emoji's halves may arrive apart). */
  function streamed(text: string, maxCharacters = 4096): string[] {
    const pieces: string[] = [];
    for (let at = 0, step = 0; at < text.length; at += 1 + (step++ % 3)) pieces.push(text.slice(at, at + 1 + (step % 3)));
    assert.equal(pieces.join(''), text);
    const sentences = split(pieces, maxCharacters);
    assert.equal(sentences.join(''), text, 'the sentences concatenate to the text exactly');
    return sentences;
  }

  it('follows the native splitter: abbreviations, initials, decimals, a lowercase next word', () => {
    assert.deepEqual(streamed('Dr. Smith went home. Then'), ['Dr. Smith went home. ', 'Then']);
    assert.deepEqual(streamed('It is 3.5 degrees. Or 4.25? Yes'), ['It is 3.5 degrees. ', 'Or 4.25? ', 'Yes']);
    assert.deepEqual(streamed('J. R. R. Tolkien, e.g. in St. Ives. Wait... what? Ok'), [
      'J. R. R. Tolkien, e.g. in St. Ives. ',
      'Wait... what? ',
      'Ok',
    ]);
    assert.deepEqual(streamed('"Stop!" she said. Fine'), ['"Stop!" she said. ', 'Fine']);
  });

  it('holds an abbreviation that arrives in pieces until the text after it tells', () => {
    const splitter = new SentenceSplitter(4096);
    assert.deepEqual(splitter.push('We met Mr'), []);
    assert.deepEqual(splitter.push('. '), []);
    assert.deepEqual(splitter.push('S'), [], '"Mr." is a title');
    assert.deepEqual(splitter.push('mith. '), []);
    assert.deepEqual(splitter.push('a'), [], 'a lowercase word goes on the sentence');
    assert.deepEqual(splitter.push('nd more. B'), ['We met Mr. Smith. and more. ']);
    assert.deepEqual(splitter.flush(), ['B']);
  });

  it('indexes CJK, emoji and lone surrogates in UTF-16 units', () => {
    assert.deepEqual(streamed('你好。再见！ 好的'), ['你好。', '再见！ ', '好的']);
    assert.deepEqual(streamed('I 😀 it. 🎉 Yes! 𝒜𝒷𝒸. end'), ['I 😀 it. ', '🎉 Yes! ', '𝒜𝒷𝒸. end']);
    assert.deepEqual(split(['a\uD800b. C']), ['a\uD800b. ', 'C'], 'a lone surrogate is one unit, as V8 hands it over');
    assert.deepEqual(streamed('𝒜𝒷𝒸𝒹𝒺 𝒻', 3), ['𝒜𝒷𝒸', '𝒹𝒺 ', '𝒻']);
  });
});

describe('chat: the data of a text/event-stream', () => {
  it('reads events cut anywhere, with CRLF or LF, passing over comments and other fields, until [DONE]', async () => {
    const pieces = [
      ': keep-alive\r\n\r\nevent: chunk\r\ndata: {"a":1}\r',
      '\n\r\ndata: {"b":',
      '2}\n\ndata: line one\ndata:line two\n\n',
      'data: [DONE]\n\ndata: {"late":true}\n\n',
    ];
    assert.deepEqual(await collect(pieces), ['{"a":1}', '{"b":2}', 'line one\nline two']);
  });

  it('counts a last event without its blank line', async () => {
    assert.deepEqual(await collect(['data: {"a":1}\n\ndata: {"b":2}']), ['{"a":1}', '{"b":2}']);
  });
});
