import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { OvSpeechError } from '../../src/errors.js';
import { addon } from '../../src/native/binding.js';
import { assertLoopKeepsTicking } from '../helpers/eventLoop.js';
import { chainIrXml, tempDir, writeIrFolder } from '../helpers/irFolder.js';
import { rejection } from '../helpers/rejection.js';

describe('addon: errors', () => {
  const root = tempDir('addon-errors');

  it('rejects a missing folder with MODEL_NOT_FOUND', async () => {
    const error = await rejection(addon.inspectModel(path.join(root, 'absent')));
    assert.equal(error.code, 'MODEL_NOT_FOUND');
    assert.match(error.message, /absent does not exist/);
  });

  it('rejects a folder without config.json with UNSUPPORTED_MODEL', async () => {
    const dir = writeIrFolder(path.join(root, 'no-config'));
    writeFileSync(path.join(dir, 'config.json'), '{"model_type": ');
    const error = await rejection(addon.inspectModel(dir));
    assert.equal(error.code, 'UNSUPPORTED_MODEL');
    assert.match(error.message, /config\.json .* is not valid JSON/);
  });

  it('rejects a broken IR naming the file', async () => {
    const dir = writeIrFolder(path.join(root, 'broken-ir'), { irs: ['openvino_encoder_model', 'openvino_decoder_model'] });
    writeFileSync(path.join(dir, 'openvino_decoder_model.xml'), chainIrXml(3).slice(0, 300));
    const error = await rejection(addon.inspectModel(dir));
    assert.equal(error.code, 'UNSUPPORTED_MODEL');
    assert.match(error.message, /cannot read openvino_decoder_model\.xml/);
  });

  it('rejects a folder with no IR', async () => {
    const dir = path.join(root, 'config-only');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'config.json'), '{"model_type": "whisper"}');
    const error = await rejection(addon.inspectModel(dir));
    assert.equal(error.code, 'UNSUPPORTED_MODEL');
    assert.match(error.message, /has no openvino_\*\.xml or \.onnx model/);
  });

  it('rejects a non-string argument with INVALID_ARGUMENT, synchronously', () => {
    assert.throws(
      () => addon.inspectModel(42 as unknown as string),
      (error: unknown) =>
        error instanceof OvSpeechError && error.code === 'INVALID_ARGUMENT' && error.message === 'Expected non-empty string for dir',
    );
  });
});

describe('addon: runtime', () => {
  it('reports the pinned OpenVINO version', () => {
    assert.match(addon.openvinoVersion, /^2026\.4\.1-/);
  });

  it('lists the CPU device', async () => {
    const devices = await addon.availableDevices();
    const cpu = devices.find((d) => d.name === 'CPU');
    assert.ok(cpu, JSON.stringify(devices));
    assert.ok(cpu.fullName.length > 0);
  });
});

const fixtureModels = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');

describe('addon: inspectModel', () => {
  it('reads the tiny Whisper fixture, tokenizer IRs included', async () => {
    const info = await addon.inspectModel(path.join(fixtureModels, 'tiny-whisper'));
    assert.equal(info.modelType, 'whisper');
    assert.equal(JSON.parse(info.config).num_mel_bins, 80);
    const irs = new Map(info.irs.map((ir) => [ir.name, ir]));
    assert.deepEqual([...irs.keys()], ['openvino_decoder_model', 'openvino_detokenizer', 'openvino_encoder_model', 'openvino_tokenizer']);
    assert.equal(irs.get('openvino_decoder_model')?.stateful, true);
    assert.deepEqual(irs.get('openvino_encoder_model')?.inputs, [{ names: ['input_features'], elementType: 'f32', shape: '[?,80,3000]' }]);
    assert.ok(irs.get('openvino_tokenizer')?.inputs[0]?.elementType === 'string');
  });

  it('reads the tiny SpeechT5 fixture', async () => {
    const info = await addon.inspectModel(path.join(fixtureModels, 'tiny-speecht5'));
    assert.equal(info.modelType, 'speecht5');
    assert.deepEqual(
      info.irs.map((ir) => ir.name),
      ['openvino_decoder_model', 'openvino_detokenizer', 'openvino_encoder_model', 'openvino_postnet', 'openvino_tokenizer', 'openvino_vocoder'],
    );
  });

  it('reads config.json and every IR of a folder', async () => {
    const dir = writeIrFolder(path.join(tempDir('addon-good'), 'tiny'), {
      modelType: 'speecht5',
      irs: ['openvino_encoder_model', 'openvino_decoder_model'],
    });
    const info = await addon.inspectModel(dir);
    assert.equal(info.path, dir);
    assert.equal(info.modelType, 'speecht5');
    assert.deepEqual(JSON.parse(info.config), { model_type: 'speecht5' });
    assert.deepEqual(
      info.irs.map((ir) => ir.name),
      ['openvino_decoder_model', 'openvino_encoder_model'],
    );
    assert.deepEqual(info.irs[1], {
      name: 'openvino_encoder_model',
      stateful: false,
      inputs: [{ names: ['input_features'], elementType: 'f32', shape: '[?,80,3000]' }],
      outputs: [{ names: ['last_hidden_state'], elementType: 'f32', shape: '[?,80,3000]' }],
    });
  });

  it('keeps the event loop ticking while the native call runs', async () => {
    const dir = writeIrFolder(path.join(tempDir('addon-slow'), 'deep'), { reluLayers: 30_000 });
    await assertLoopKeepsTicking(() => addon.inspectModel(dir), 200);
  });
});

describe('addon: numeric options and a disposed model', () => {
  const pool = { workers: 1, maxQueued: 4 };

  it("checks each speech number before any cast, in invalidParameter's words", async () => {
    const model = await addon.loadSpeechModel(path.join(fixtureModels, 'tiny-speecht5'), {}, pool, {});
    try {
      // SpeechT5's own options come in familyOptions, checked against the family's specs.
      const rules: [string, string, boolean][] = [
        ['speed', 'number between 0.25 and 4', false],
        ['sentencePause', 'number between 0 and 5', false],
        ['minlenratio', 'number between 0 and 100', true],
        ['maxlenratio', 'number between 0.01 and 100', true],
        ['threshold', 'number between 0.001 and 2', true],
      ];
      for (const [option, expected, ofFamily] of rules) {
        for (const [value, described] of [
          [NaN, 'NaN of type number'],
          [-1, '-1 of type number'],
          [1e30, '1e+30 of type number'],
          [Infinity, 'Infinity of type number'],
          [null, 'null'],
          [true, 'true of type boolean'],
        ] as const) {
          assert.throws(
            () =>
              model.synthesize(
                'Hi.',
                (ofFamily ? { familyOptions: { [option]: value } } : { [option]: value }) as Parameters<typeof model.synthesize>[1],
              ),
            (error: unknown) =>
              error instanceof OvSpeechError &&
              error.code === 'INVALID_ARGUMENT' &&
              error.param === option &&
              error.message === `Expected ${expected} for ${option} but received ${described}`,
            `${option} = ${String(value)}`,
          );
        }
      }
    } finally {
      await model.dispose();
    }
  });

  it('a disposed native model refuses work with UNAVAILABLE, not CANCELLED', async () => {
    const model = await addon.loadWhisperModel(path.join(fixtureModels, 'tiny-whisper'), {}, pool);
    await model.dispose();
    const error = await rejection(model.transcribe(new Float32Array(16000), 16000, 1, {}).promise);
    assert.equal(error.code, 'UNAVAILABLE');
    assert.equal(error.message, 'the model is being unloaded or is not loaded; retry');
  });
});
