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

  it('reports a speech model the same way: a Piper voice in lanes, SpeechT5 always in one lane', async () => {
    const piper = await SpeechEngine.load(piperDir);
    try {
      const { device, threads, laneThreads } = piper.compute;
      assert.equal(device, 'CPU');
      assert.equal(laneThreads, threads >= 2 ? Math.floor(threads / 2) : 0);
    } finally {
      await piper.dispose();
    }
    const speecht5 = await SpeechEngine.load(speechDir);
    try {
      const { device, threads, laneThreads } = speecht5.compute;
      assert.equal(device, 'CPU');
      // An inference takes one lane even alone: its threads are a lane's.
      if (laneThreads > 0) assert.equal(threads, laneThreads);
    } finally {
      await speecht5.dispose();
    }
  });

  for (const [name, dir] of [
    ['a Piper voice', piperDir],
    ['SpeechT5', speechDir],
  ] as const) {
    it(`gives ${name} the same audio alone (every core) and beside another request (one lane)`, async () => {
      const engine = await SpeechEngine.load(dir, { workers: 2 });
      try {
        const text = 'A sentence to say. And another one after it.';
        const alone = await engine.synthesize(text);
        const [beside] = await Promise.all([engine.synthesize(text), engine.synthesize('Something else to say at the same time.')]);
        assert.deepEqual(beside.audio, alone.audio);
      } finally {
        await engine.dispose();
      }
    });
  }
});
