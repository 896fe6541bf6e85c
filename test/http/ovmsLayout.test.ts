import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import OpenAI, { toFile } from 'openai';

import { ovmsServableNames } from '../../src/engine/ovmsLayout.js';
import type { RunningServer } from '../../src/http/server.js';
import { fixtures } from '../helpers/audio.js';
import { tempDir } from '../helpers/irFolder.js';
import { probeAudio } from '../helpers/probe.js';
import { startTestServer, waitForModels } from '../helpers/server.js';

/** The graph.pbtxt OVMS's export_model.py writes beside a speech or transcription model's files. */
function graph(calculator: 'T2sCalculator' | 'S2tCalculator'): string {
  const [packet, options] =
    calculator === 'T2sCalculator'
      ? ['TTS_NODE_RESOURCES:t2s_servable', 'T2sCalculatorOptions']
      : ['STT_NODE_RESOURCES:s2t_servable', 'S2tCalculatorOptions'];
  return `input_stream: "HTTP_REQUEST_PAYLOAD:input"
output_stream: "HTTP_RESPONSE_PAYLOAD:output"
node {
  name: "${calculator === 'T2sCalculator' ? 'T2sExecutor' : 'S2tExecutor'}"
  input_side_packet: "${packet}"
  calculator: "${calculator}"
  input_stream: "HTTP_REQUEST_PAYLOAD:input"
  output_stream: "HTTP_RESPONSE_PAYLOAD:output"
  node_options: {
    [type.googleapis.com / mediapipe.${options}]: {
      models_path: "./",
      plugin_config: '{ "NUM_STREAMS": "1" }',
      target_device: "CPU"
    }
  }
}
`;
}

/** A model folder as export_model.py leaves it: the exported files (linked from a fixture) and graph.pbtxt. */
function exportedModel(fixture: string, at: string, calculator: 'T2sCalculator' | 'S2tCalculator'): void {
  mkdirSync(at, { recursive: true });
  const source = path.join(fixtures, 'models', fixture);
  for (const name of readdirSync(source)) symlinkSync(path.join(source, name), path.join(at, name));
  writeFileSync(path.join(at, 'graph.pbtxt'), graph(calculator));
}

describe('http: a models folder laid out by OpenVINO Model Server is served unchanged, by its servable names', () => {
  let server: RunningServer;
  let client: OpenAI;
  before(async () => {
    const root = tempDir('ovms-layout');
    // As export_model.py writes it: the servables by name in config.json at the top (base_path relative
    // to it), one folder each. The transcription model's name differs from its folder.
    exportedModel('tiny-whisper', path.join(root, 'openai', 'whisper-tiny'), 'S2tCalculator');
    exportedModel('tiny-speecht5', path.join(root, 'microsoft', 'speecht5_tts'), 'T2sCalculator');
    const config = {
      mediapipe_config_list: [
        { name: 'whisper', base_path: 'openai/whisper-tiny' },
        { name: 'microsoft/speecht5_tts', base_path: 'microsoft/speecht5_tts' },
      ],
      model_config_list: [],
    };
    writeFileSync(path.join(root, 'config.json'), JSON.stringify(config, null, 4));
    server = await startTestServer(root);
    await waitForModels(server);
    client = new OpenAI({ baseURL: `${server.url}/v3`, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => server.close());

  it('lists each model by the name OVMS serves it by; config.json at the top is no model', async () => {
    const models = await client.models.list();
    assert.deepEqual(models.data.map((model) => model.id).sort(), ['microsoft/speecht5_tts', 'whisper']);
    assert.deepEqual(
      server.registry.list().map((entry) => [entry.id, entry.state]),
      [
        ['microsoft/speecht5_tts', 'ready'],
        ['whisper', 'ready'],
      ],
    );
  });

  it("answers OVMS's clients under /v3 by those names: a transcription, and speech as WAV", async () => {
    const audio = await toFile(readFileSync(path.join(fixtures, 'audio', 'de_5s.wav')), 'de_5s.wav');
    const translation = await client.audio.translations.create({ model: 'whisper', file: audio });
    assert.ok(translation.text.length > 0, 'a translation');
    const speech = Buffer.from(
      await (await client.audio.speech.create({ model: 'microsoft/speecht5_tts', voice: 'unused', input: 'Hello.' })).arrayBuffer(),
    );
    assert.equal(probeAudio(speech, 'wav').codec, 'pcm_s16le');
  });
});

describe('ovmsServableNames', () => {
  it('reads both lists, resolves base paths against the config, and skips entries OVMS would refuse', async () => {
    const root = tempDir('ovms-names');
    const config = {
      mediapipe_config_list: [{ name: 'a', base_path: 'models/a' }, { name: '', base_path: 'x' }, { base_path: 'y' }, 'z', null],
      model_config_list: [{ config: { name: 'b', base_path: '/srv/b' } }, { config: { name: 7, base_path: 'c' } }],
    };
    writeFileSync(path.join(root, 'config.json'), JSON.stringify(config));
    assert.deepEqual(
      [...(await ovmsServableNames(root))],
      [
        [path.join(root, 'models', 'a'), 'a'],
        ['/srv/b', 'b'],
      ],
    );
  });

  it('is empty for a folder without config.json, or with one that is not JSON or not an object', async () => {
    const root = tempDir('ovms-none');
    assert.equal((await ovmsServableNames(root)).size, 0);
    for (const text of ['{', '[]', '"x"', 'null']) {
      writeFileSync(path.join(root, 'config.json'), text);
      assert.equal((await ovmsServableNames(root)).size, 0, text);
    }
  });
});
