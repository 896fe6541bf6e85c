// Two workers on the real whisper-base give each request its own transcript, one at a time and at once:
// two infer requests of one compiled stateful decoder once shared its cross-attention cache, and a
// second worker answered with the first worker's transcript (random-weight test models hid it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { WhisperEngine, type PcmAudio } from '../../src/engine/WhisperEngine.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The default set, as `npm run test:setup` prepares it before the tests. */
const whisper = path.join(packageRoot, '.cache', 'real-models', 'openai', 'whisper-base');
const SENTENCES = [
  'I would like a cup of coffee with milk, please.',
  'Please remember to water the tomatoes before you leave for work.',
  'The library closes at nine on weekdays.',
];

/** espeak-ng speaking `text`, as 16 kHz mono float samples. */
function spoken(text: string): PcmAudio {
  const wav = execFileSync('espeak-ng', ['-v', 'en-us', '--stdout', text]);
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', '-', '-f', 'f32le', '-ac', '1', '-ar', '16000', '-'], { input: wav });
  return { samples: new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4), sampleRate: 16_000, channels: 1 };
}

describe('whisper-base on two workers', () => {
  const clips = SENTENCES.map(spoken);
  let one: WhisperEngine;
  let two: WhisperEngine;
  before(async () => {
    [one, two] = await Promise.all([WhisperEngine.load(whisper, { workers: 1 }), WhisperEngine.load(whisper, { workers: 2 })]);
  });
  after(async () => {
    await Promise.all([one?.dispose(), two?.dispose()]);
  });

  it('gives every request its own transcript, one at a time and at once, as one worker does', async () => {
    const expected = [];
    for (const clip of clips) expected.push((await one.transcribe(clip, { language: 'en' })).text);
    assert.equal(new Set(expected).size, clips.length, JSON.stringify(expected));
    const inTurn = [];
    for (const clip of clips) inTurn.push((await two.transcribe(clip, { language: 'en' })).text);
    assert.deepEqual(inTurn, expected);
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(await Promise.all(clips.map(async (clip) => (await two.transcribe(clip, { language: 'en' })).text)), expected);
    }
  });
});
