import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ModelEntry, ModelState } from '../../src/engine/ModelRegistry.js';
import { readiness } from '../../src/http/routes/health.js';
import type { ModelKind } from '../../src/native/AddonTypes.js';

const model = (id: string, kind: ModelKind | undefined, state: ModelState): ModelEntry => ({
  id,
  path: `/models/${id}`,
  created: 0,
  ownedBy: 'ovspeech',
  state,
  ...(kind === undefined ? {} : { kind }),
});

describe('unit: readiness of the models', () => {
  it('all: waits for every model, failed or of no family ovspeech serves included', () => {
    const models = [model('whisper', 'transcription', 'ready'), model('tts', 'speech', 'loading'), model('bert', undefined, 'failed')];
    assert.deepEqual(readiness(models, 'all'), { ready: false, waitingFor: ['tts', 'bert'] });
    assert.deepEqual(readiness([model('whisper', 'transcription', 'ready')], 'all'), { ready: true, waitingFor: [] });
  });

  it('each-kind: one ready model of each kind is enough; a broken or loading one beside it is not waited for', () => {
    const models = [
      model('whisper', 'transcription', 'ready'),
      model('whisper-large', 'transcription', 'loading'),
      model('tts', 'speech', 'failed'),
      model('bert', undefined, 'failed'),
    ];
    assert.deepEqual(readiness(models, 'each-kind'), { ready: false, waitingFor: ['speech'] });
    models.push(model('piper', 'speech', 'ready'));
    assert.deepEqual(readiness(models, 'each-kind'), { ready: true, waitingFor: [] });
  });

  it('is never ready without a model to serve', () => {
    assert.equal(readiness([], 'all').ready, false);
    assert.equal(readiness([model('bert', undefined, 'failed')], 'each-kind').ready, false);
  });
});
