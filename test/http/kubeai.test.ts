// A pod as KubeAI's FasterWhisper engine starts it: WHISPER__MODEL names the model's folder (a cache
// profile's), its proxy strips the multipart `model` field, and its probes ask GET /health.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { loadConfig, type ServerConfig } from '../../src/config/config.js';
import type { RunningServer } from '../../src/http/server.js';
import { fixtures } from '../helpers/audio.js';
import { linkFixtureModel, tempDir } from '../helpers/irFolder.js';
import { startTestServer, waitForModels } from '../helpers/server.js';

/** The config KubeAI's environment gives, as the CLI would load it. */
function kubeAiConfig(folder: string): Partial<ServerConfig> {
  const { modelsDir, modelsSource, requireTranscription, transcriptionModel } = loadConfig(
    {},
    { WHISPER__MODEL: folder, ENABLE_UI: 'false' },
    tempDir('kubeai-package'),
  );
  return { modelsDir, modelsSource, requireTranscription, transcriptionModel };
}

describe('http: a KubeAI FasterWhisper pod', () => {
  let server: RunningServer | undefined;
  after(() => server?.close());

  it('serves the cache folder WHISPER__MODEL names: GET /health, and a transcription without a model field', async () => {
    const folder = linkFixtureModel('tiny-whisper', path.join(tempDir('kubeai'), 'whisper-tiny-5d0c9a1e'));
    const config = kubeAiConfig(folder);
    server = await startTestServer(config.modelsDir!, config);
    await waitForModels(server);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    const form = new FormData();
    form.append('file', new Blob([readFileSync(path.join(fixtures, 'audio', 'en_5s.wav'))]), 'en_5s.wav');
    form.append('response_format', 'json');
    const response = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
    assert.equal(response.status, 200);
    assert.equal(typeof ((await response.json()) as { text: unknown }).text, 'string');
  });

  it('stops the start when the folder holds no Whisper model', async () => {
    const folder = linkFixtureModel('tiny-speecht5', path.join(tempDir('kubeai-speech'), 'speecht5-5d0c9a1e'));
    const config = kubeAiConfig(folder);
    await assert.rejects(startTestServer(config.modelsDir!, config), {
      code: 'INVALID_ARGUMENT',
      message:
        `${folder} (from WHISPER__MODEL=${folder} (KubeAI), its cache profile's folder) holds no Whisper model that ovspeech serves: ` +
        'it needs an OpenVINO export (a CTranslate2 or Hugging Face folder can be converted with `ovspeech import`)',
    });
  });
});
