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

  it('cuts a run longer than the limit at its last white space, else at the limit', () => {
    assert.deepEqual(split(['aaa bbb ccc ddd'], 8), ['aaa bbb ', 'ccc ddd']);
    assert.deepEqual(split(['abcdefghij'], 4), ['abcd', 'efgh', 'ij']);
    assert.deepEqual(split(['ab😀cd'], 3), ['ab', '😀c', 'd']);
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
