import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ModelRegistry } from '../../src/engine/ModelRegistry.js';
import type { SpeechEngine } from '../../src/engine/SpeechEngine.js';
import { chainIrXml, linkFixtureModel, tempDir, writeIrFolder } from '../helpers/irFolder.js';
import { rejection } from '../helpers/rejection.js';
import { settledFlag } from '../helpers/settled.js';

const fixtureModels = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');
const tinySpeechT5 = path.join(fixtureModels, 'tiny-speecht5');
const OPTIONS = { device: 'CPU', workers: 1 };

/** Lets every callback already due run, such as a disposal that a bug started too early. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('model registry: models added and removed at run time', () => {
  let registry: ModelRegistry;
  before(async () => {
    const root = tempDir('registry');
    linkFixtureModel('tiny-whisper', path.join(root, 'openai', 'whisper-tiny'));
    registry = await ModelRegistry.discover(root);
    await registry.load(OPTIONS);
  });
  after(() => registry.close());

  it('adds a model, and after its removal keeps the engine until the last lease is released', async () => {
    const entry = await registry.add('voices/tiny', tinySpeechT5, OPTIONS);
    assert.deepEqual([entry.state, entry.family, entry.loaded?.kind], ['ready', 'speecht5', 'speech']);
    assert.deepEqual(
      registry.list().map((m) => m.id),
      ['openai/whisper-tiny', 'voices/tiny'],
    );
    const first = registry.lease('voices/tiny')!;
    const second = registry.lease('voices/tiny')!;
    const engine = first.loaded.engine as SpeechEngine;

    const removal = registry.remove('voices/tiny');
    const removed = settledFlag(removal);
    // Unknown to new requests at once.
    assert.equal(registry.get('voices/tiny'), undefined);
    assert.equal(registry.lease('voices/tiny'), undefined);
    assert.deepEqual(
      registry.list().map((m) => m.id),
      ['openai/whisper-tiny'],
    );

    first.release();
    first.release(); // a lease counts once, however often it is released
    assert.ok((await engine.synthesize('Hello.')).audio.length > 0, 'the engine still serves the request holding the other lease');
    await turn();
    assert.equal(removed(), false);

    second.release();
    await removal;
    const afterwards = await rejection(engine.synthesize('Hello.'));
    assert.equal(afterwards.code, 'UNAVAILABLE');
  });

  it('unloads a model once its leases are released, keeps it listed, and loads it again', async () => {
    await registry.add('voices/unloaded', tinySpeechT5, OPTIONS);
    const lease = registry.lease('voices/unloaded')!;
    const engine = lease.loaded.engine as SpeechEngine;
    const unloading = registry.unload('voices/unloaded');
    const unloaded = settledFlag(unloading);
    // New requests get nothing while it unloads; the one holding it is served.
    assert.equal(registry.get('voices/unloaded')!.state, 'unloading');
    assert.equal(registry.lease('voices/unloaded'), undefined);
    assert.ok((await engine.synthesize('Hello.')).audio.length > 0);
    await turn();
    assert.equal(unloaded(), false);
    lease.release();
    const entry = await unloading;
    assert.deepEqual([entry.state, entry.loaded, entry.kind], ['unloaded', undefined, 'speech']);
    assert.equal((await rejection(engine.synthesize('Hello.'))).code, 'UNAVAILABLE');
    assert.ok(registry.list().some((m) => m.id === 'voices/unloaded'));
    // Unloading again does nothing; loading makes a new engine, which serves.
    await registry.unload('voices/unloaded');
    const loaded = await registry.ensureLoaded('voices/unloaded');
    assert.deepEqual([loaded.state, loaded.served], ['ready', true]);
    const again = registry.lease('voices/unloaded')!;
    assert.notEqual(again.loaded.engine, engine);
    assert.ok(((await (again.loaded.engine as SpeechEngine).synthesize('Hello.')).audio.length ?? 0) > 0);
    again.release();
    await registry.remove('voices/unloaded');
    assert.equal((await rejection(registry.unload('voices/unloaded'))).code, 'MODEL_NOT_FOUND');
  });

  it('disposes an unleased model as it is removed, and lets the id be added again', async () => {
    await registry.add('voices/again', tinySpeechT5, OPTIONS);
    const engine = registry.get('voices/again')!.loaded!.engine as SpeechEngine;
    await registry.remove('voices/again');
    assert.equal((await rejection(engine.synthesize('Hello.'))).code, 'UNAVAILABLE');
    const again = await registry.add('voices/again', tinySpeechT5, OPTIONS);
    assert.equal(again.state, 'ready');
    await registry.remove('voices/again');
  });

  it('rejects a duplicate id, an unknown id, a missing folder and a folder that is not a model, adding nothing', async () => {
    const duplicate = await rejection(registry.add('openai/whisper-tiny', tinySpeechT5, OPTIONS));
    assert.deepEqual(
      [duplicate.code, duplicate.message, duplicate.param],
      ['INVALID_ARGUMENT', "A model with the id 'openai/whisper-tiny' already exists", 'id'],
    );
    const unknown = await rejection(registry.remove('voices/nobody'));
    assert.deepEqual([unknown.code, unknown.message], ['MODEL_NOT_FOUND', "The model 'voices/nobody' does not exist"]);

    const root = tempDir('registry-bad');
    const missing = await rejection(registry.add('missing', path.join(root, 'absent'), OPTIONS));
    assert.equal(missing.code, 'MODEL_NOT_FOUND');
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    const notModel = await rejection(registry.add('empty', empty, OPTIONS));
    assert.deepEqual([notModel.code, notModel.message], ['UNSUPPORTED_MODEL', `${empty} is not a model folder: no model family recognizes ${empty}`]);
    assert.deepEqual(
      registry.list().map((m) => m.id),
      ['openai/whisper-tiny'],
    );
  });

  it('lists a broken folder added at run time as failed, with its code, and keeps serving the others', async () => {
    const root = tempDir('registry-broken');
    const broken = writeIrFolder(path.join(root, 'broken'));
    writeFileSync(path.join(broken, 'openvino_encoder_model.xml'), chainIrXml(2).slice(0, 200));
    const other = writeIrFolder(path.join(root, 'other'), { modelType: 'bert' });

    const entry = await registry.add('broken', broken, OPTIONS);
    assert.deepEqual([entry.state, entry.family, entry.error?.code], ['failed', 'whisper', 'UNSUPPORTED_MODEL']);
    assert.match(entry.error?.message ?? '', /cannot read openvino_encoder_model\.xml/);
    const unknownFamily = await registry.add('other', other, OPTIONS);
    assert.deepEqual(
      [unknownFamily.state, unknownFamily.family, unknownFamily.error],
      [
        'failed',
        undefined,
        { message: 'model_type "bert" is not a family ovspeech serves (piper, silero-vad, speecht5, whisper)', code: 'UNSUPPORTED_MODEL' },
      ],
    );
    // A Piper voice is recognized by its files and refused for what its .onnx.json lacks.
    const piper = path.join(root, 'piper');
    mkdirSync(piper);
    writeFileSync(path.join(piper, 'voice.onnx'), '');
    writeFileSync(path.join(piper, 'voice.onnx.json'), JSON.stringify({ espeak: { voice: 'en-us' } }));
    const brokenVoice = await registry.add('piper', piper, OPTIONS);
    assert.deepEqual([brokenVoice.state, brokenVoice.family, brokenVoice.error?.code], ['failed', 'piper', 'UNSUPPORTED_MODEL']);
    assert.match(brokenVoice.error?.message ?? '', /^cannot read voice\.onnx in .*piper: Unable to read the model/);
    assert.equal(registry.lease('broken'), undefined);

    const whisper = registry.lease('openai/whisper-tiny');
    assert.equal(whisper?.loaded.kind, 'transcription');
    whisper?.release();
    await registry.remove('broken');
    await registry.remove('other');
    await registry.remove('piper');
  });

  it('close() disposes every engine, removed ones still leased included', async () => {
    const own = await ModelRegistry.discover(tempDir('registry-close'));
    assert.deepEqual(own.list(), []);
    await own.add('voices/tiny', tinySpeechT5, OPTIONS);
    const lease = own.lease('voices/tiny')!;
    const removal = own.remove('voices/tiny');
    const removed = settledFlag(removal);
    await turn();
    assert.equal(removed(), false);
    await own.close();
    await removal;
    assert.equal((await rejection((lease.loaded.engine as SpeechEngine).synthesize('Hello.'))).code, 'UNAVAILABLE');
    lease.release();
    assert.equal((await rejection(own.add('voices/late', tinySpeechT5, OPTIONS))).code, 'UNAVAILABLE');
  });
});
