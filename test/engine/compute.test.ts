import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';

import { SpeechEngine } from '../../src/engine/SpeechEngine.js';
import { WhisperEngine } from '../../src/engine/WhisperEngine.js';
import { fixtures } from '../helpers/audio.js';

const whisperDir = path.join(fixtures, 'models', 'tiny-whisper');
const speechDir = path.join(fixtures, 'models', 'tiny-speecht5');
const piperDir = path.join(fixtures, 'piper', 'tiny-piper');

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

  it('reports a speech model the same way: SpeechT5 without lanes (its inferences take turns), a Piper voice with them', async () => {
    const speecht5 = await SpeechEngine.load(speechDir);
    try {
      assert.equal(speecht5.compute.device, 'CPU');
      assert.ok(speecht5.compute.threads >= 1);
      assert.equal(speecht5.compute.laneThreads, 0);
    } finally {
      await speecht5.dispose();
    }
    const piper = await SpeechEngine.load(piperDir);
    try {
      const { threads, laneThreads } = piper.compute;
      assert.equal(laneThreads, threads >= 2 ? Math.floor(threads / 2) : 0);
    } finally {
      await piper.dispose();
    }
  });

  it('gives a Piper voice the same audio alone (every core) and beside another request (one lane)', async () => {
    const engine = await SpeechEngine.load(piperDir, { workers: 2 });
    try {
      const text = 'A sentence to say. And another one after it.';
      const alone = await engine.synthesize(text);
      const [beside] = await Promise.all([engine.synthesize(text), engine.synthesize('Something else to say at the same time.')]);
      assert.deepEqual(beside.audio, alone.audio);
    } finally {
      await engine.dispose();
    }
  });
});
