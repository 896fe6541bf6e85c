import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';

import { SpeechEngine } from '../../src/engine/SpeechEngine.js';
import { WhisperEngine } from '../../src/engine/WhisperEngine.js';
import { fixtures } from '../helpers/audio.js';

const whisperDir = path.join(fixtures, 'models', 'tiny-whisper');
const speechDir = path.join(fixtures, 'models', 'tiny-speecht5');

describe('engines: how a model uses the device', () => {
  it('compiles Whisper for two lanes of half the cores on the CPU, and says so', async () => {
    const engine = await WhisperEngine.load(whisperDir, { workers: 1 });
    try {
      const { device, precision, threads, laneThreads } = engine.compute;
      assert.equal(device, 'CPU');
      assert.match(precision, /^(f32|f16|bf16)$/);
      assert.ok(threads >= 1, `threads ${threads}`);
      assert.equal(laneThreads, threads >= 2 ? Math.floor(threads / 2) : 0);
    } finally {
      await engine.dispose();
    }
  });

  it('leaves the split of the cores to streams or threads the user sets: no lanes', async () => {
    for (const options of [{ numStreams: 2 }, { pluginConfig: { INFERENCE_NUM_THREADS: 1 } }]) {
      const engine = await WhisperEngine.load(whisperDir, { workers: 1, ...options });
      try {
        assert.equal(engine.compute.laneThreads, 0, JSON.stringify(options));
      } finally {
        await engine.dispose();
      }
    }
    const pinned = await WhisperEngine.load(whisperDir, { workers: 1, pluginConfig: { INFERENCE_NUM_THREADS: 1 } });
    assert.equal(pinned.compute.threads, 1);
    await pinned.dispose();
  });

  it('reports a speech model the same way, without lanes', async () => {
    const engine = await SpeechEngine.load(speechDir);
    try {
      assert.equal(engine.compute.device, 'CPU');
      assert.ok(engine.compute.threads >= 1);
      assert.equal(engine.compute.laneThreads, 0);
    } finally {
      await engine.dispose();
    }
  });
});
