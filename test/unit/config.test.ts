import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { loadConfig } from '../../src/config/config.js';
import { kubeAiModel } from '../../src/config/kubeai.js';
import { OvSpeechError } from '../../src/errors.js';
import { tempDir } from '../helpers/irFolder.js';

const root = tempDir('config');
const models = path.join(root, 'models');
mkdirSync(models);
const packageRoot = path.join(root, 'package');

function invalid(message: string) {
  return (error: unknown) => {
    assert.ok(error instanceof OvSpeechError);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.message, message);
    return true;
  };
}

describe('config: validation', () => {
  it('rejects a port that is not an integer in range, naming its source', () => {
    assert.throws(
      () => loadConfig({ models, port: 'abc' }, {}, packageRoot),
      invalid('Expected integer between 0 and 65535 for --port but received "abc" of type string'),
    );
    assert.throws(
      () => loadConfig({ models }, { OVSPEECH_PORT: '70000' }, packageRoot),
      invalid('Expected integer between 0 and 65535 for OVSPEECH_PORT but received "70000" of type string'),
    );
  });

  it('rejects a device name that is not one and a worker count out of range', () => {
    assert.throws(
      () => loadConfig({ models, device: 'cpu;rm' }, {}, packageRoot),
      invalid('Expected OpenVINO device name such as CPU, GPU, AUTO or HETERO:GPU,CPU for --device but received "cpu;rm" of type string'),
    );
    assert.throws(
      () => loadConfig({ models }, { OVSPEECH_WORKERS: '0' }, packageRoot),
      invalid('Expected integer between 1 and 64 for OVSPEECH_WORKERS but received "0" of type string'),
    );
    assert.equal(loadConfig({ models, device: 'HETERO:GPU,CPU', workers: '4' }, {}, packageRoot).workers, 4);
  });

  it('rejects an unknown log level and inference precision', () => {
    assert.throws(
      () => loadConfig({ models, logLevel: 'loud' }, {}, packageRoot),
      invalid('Expected one of fatal, error, warn, info, debug, trace, silent for --log-level but received "loud" of type string'),
    );
    assert.throws(
      () => loadConfig({ models }, { OVSPEECH_INFERENCE_PRECISION: 'fp32' }, packageRoot),
      invalid('Expected one of f32, f16, bf16 for OVSPEECH_INFERENCE_PRECISION but received "fp32" of type string'),
    );
    assert.equal(loadConfig({ models, inferencePrecision: 'f32' }, {}, packageRoot).inferencePrecision, 'f32');
    assert.throws(
      () => loadConfig({ models }, { OVSPEECH_CHUNKING_STRATEGY: 'vad' }, packageRoot),
      invalid('Expected one of none, auto for OVSPEECH_CHUNKING_STRATEGY but received "vad" of type string'),
    );
    assert.equal(loadConfig({ models, chunkingStrategy: 'auto' }, {}, packageRoot).chunkingStrategy, 'auto');
    assert.equal(loadConfig({ models }, { OVSPEECH_READY_WHEN: 'each-kind' }, packageRoot).readyWhen, 'each-kind');
    assert.deepEqual(loadConfig({ models, preload: 'openai/whisper-base, rhasspy/joe' }, {}, packageRoot).preload, [
      'openai/whisper-base',
      'rhasspy/joe',
    ]);
    assert.equal(loadConfig({ models }, { OVSPEECH_PRELOAD: 'none' }, packageRoot).preload, 'none');
    assert.throws(() => loadConfig({ models, preload: 'a,,b' }, {}, packageRoot), /"all", "none" or model ids separated by commas/);
    // The compiled-model cache is made when missing.
    const cache = path.join(root, 'cache', 'openvino');
    assert.equal(loadConfig({ models, cacheDir: cache }, {}, packageRoot).cacheDir, cache);
    assert.ok(statSync(cache).isDirectory());
    const file = path.join(root, 'a-file');
    writeFileSync(file, '');
    assert.throws(() => loadConfig({ models, cacheDir: path.join(file, 'cache') }, {}, packageRoot), /cannot be made or written/);
    assert.throws(
      () => loadConfig({ models, readyWhen: 'some' }, {}, packageRoot),
      invalid('Expected one of all, each-kind for --ready-when but received "some" of type string'),
    );
  });

  it('rejects a models folder that does not exist', () => {
    const absent = path.join(root, 'absent');
    assert.throws(
      () => loadConfig({}, { OVSPEECH_MODELS: absent }, packageRoot),
      invalid(`The models folder ${absent} (from OVSPEECH_MODELS) does not exist or is not a folder`),
    );
  });

  it('rejects unknown keys and wrong types in the config file', () => {
    const file = path.join(root, 'bad.json');
    writeFileSync(file, JSON.stringify({ models, prot: 1 }));
    assert.throws(
      () => loadConfig({ config: file }, {}, packageRoot),
      invalid(
        `Unknown setting "prot" in config file ${file}; known settings: models, host, port, logLevel, shutdownTimeout, device, inferencePrecision, chunkingStrategy, preload, modelTtl, memoryBudgetMb, cacheDir, readyWhen, workers, queueLength, apiKey, apiKeyFile, maxUploadMb, maxAudioSeconds, maxInputChars, requestTimeout, transcriptionModel, speechModel, chatCompletionBaseUrl, chatCompletionModel, chatCompletionApiKey, prepare`,
      ),
    );
    writeFileSync(file, JSON.stringify({ models, port: '8k' }));
    assert.throws(
      () => loadConfig({ config: file }, {}, packageRoot),
      invalid(`Expected integer between 0 and 65535 for port in ${file} but received "8k" of type string`),
    );
  });
});

describe('config: sources', () => {
  it('has defaults', () => {
    const config = loadConfig({ models }, {}, packageRoot);
    assert.deepEqual(config, {
      modelsDir: models,
      modelsSource: '--models',
      prepareInto: undefined,
      requireTranscription: false,
      host: '0.0.0.0',
      port: 8000,
      logLevel: 'info',
      shutdownTimeoutMs: 30_000,
      device: 'CPU',
      inferencePrecision: undefined,
      chunkingStrategy: 'none',
      readyWhen: 'all',
      cacheDir: undefined,
      preload: 'all',
      modelTtlMs: undefined,
      memoryBudgetBytes: undefined,
      workers: undefined,
      queueLength: 64,
      apiKeys: [],
      maxUploadBytes: 25 * 1024 * 1024,
      maxAudioSeconds: 1800,
      maxInputCharacters: 4096,
      requestTimeoutMs: 600_000,
      transcriptionModel: undefined,
      speechModel: undefined,
      chatCompletion: { baseUrl: undefined, model: undefined, apiKey: undefined },
    });
  });

  it('reads the limits, API keys from a flag and a key file, and the audio chat upstream', () => {
    const keyFile = path.join(root, 'keys.txt');
    writeFileSync(keyFile, '# ops keys\nsk-one\n\n  sk-two  \n');
    const config = loadConfig(
      {
        models,
        apiKey: 'sk-flag',
        apiKeyFile: keyFile,
        maxUploadMb: '1.5',
        maxAudioSeconds: '60',
        maxInputChars: '100',
        requestTimeout: '0',
        queueLength: '0',
      },
      {
        CHAT_COMPLETION_BASE_URL: 'http://127.0.0.1:11434/v1/',
        CHAT_COMPLETION_MODEL: 'llama3',
        CHAT_COMPLETION_API_KEY: 'up-key',
        OVSPEECH_SPEECH_MODEL: 'kokoro',
      },
      packageRoot,
    );
    assert.deepEqual(config.apiKeys, ['sk-flag', 'sk-one', 'sk-two']);
    assert.equal(config.maxUploadBytes, 1.5 * 1024 * 1024);
    assert.equal(config.maxAudioSeconds, 60);
    assert.equal(config.maxInputCharacters, 100);
    assert.equal(config.requestTimeoutMs, 0);
    assert.equal(config.queueLength, 0);
    assert.equal(config.speechModel, 'kokoro');
    assert.deepEqual(config.chatCompletion, { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3', apiKey: 'up-key' });
    assert.throws(
      () => loadConfig({ models, maxInputChars: '5000' }, {}, packageRoot),
      invalid('Expected integer between 1 and 4096 for --max-input-chars but received "5000" of type string'),
    );
    assert.throws(
      () => loadConfig({ models }, { CHAT_COMPLETION_BASE_URL: 'file:///etc/passwd' }, packageRoot),
      invalid('Expected http or https URL for CHAT_COMPLETION_BASE_URL but received "file:///etc/passwd" of type string'),
    );
    const empty = path.join(root, 'empty-keys.txt');
    writeFileSync(empty, '# nothing\n');
    assert.throws(
      () => loadConfig({ models, apiKeyFile: empty }, {}, packageRoot),
      invalid(`The API key file ${empty} (from --api-key-file) holds no key`),
    );
  });

  it('takes flags over environment over config file', () => {
    const file = path.join(root, 'good.json');
    writeFileSync(file, JSON.stringify({ models, port: 9001, host: '127.0.0.2', shutdownTimeout: 2 }));
    const env = { OVSPEECH_CONFIG: file, OVSPEECH_PORT: '9002', OVSPEECH_HOST: '127.0.0.3' };
    const config = loadConfig({ host: '127.0.0.4' }, env, packageRoot);
    assert.equal(config.host, '127.0.0.4');
    assert.equal(config.port, 9002);
    assert.equal(config.modelsDir, models);
    assert.equal(config.modelsSource, `models in ${file}`);
    assert.equal(config.shutdownTimeoutMs, 2000);
  });

  it('defaults to the bundled test models when there is no ./models, or an empty one to prepare', () => {
    const bundled = path.join(packageRoot, 'test', 'fixtures', 'models');
    mkdirSync(bundled, { recursive: true });
    const cwd = process.cwd();
    process.chdir(root);
    try {
      // An empty ./models (a container's volume) is prepared first, unless preparation is off.
      const empty = loadConfig({}, {}, packageRoot);
      assert.deepEqual([empty.modelsDir, empty.prepareInto], [bundled, models]);
      assert.equal(loadConfig({}, { OVSPEECH_PREPARE: 'off' }, packageRoot).modelsDir, models);
      mkdirSync(path.join(models, 'mine'), { recursive: true });
      const mine = loadConfig({}, {}, packageRoot);
      assert.deepEqual([mine.modelsDir, mine.prepareInto], [models, undefined], './models wins when it holds something');
      process.chdir(packageRoot);
      const config = loadConfig({}, {}, packageRoot);
      assert.equal(config.modelsDir, bundled);
      assert.match(config.modelsSource, /bundled test models/);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('config: KubeAI (WHISPER__MODEL)', () => {
  const inFolder = <T>(folder: string, run: () => T): T => {
    const cwd = process.cwd();
    process.chdir(folder);
    try {
      return run();
    } finally {
      process.chdir(cwd);
    }
  };

  it("serves a cache profile's folder, KubeAI's absolute path", () => {
    const cached = path.join(root, 'kubeai-cache', 'whisper-1234');
    mkdirSync(cached, { recursive: true });
    const config = loadConfig({}, { WHISPER__MODEL: cached }, packageRoot);
    assert.equal(config.modelsDir, cached);
    assert.equal(config.modelsSource, `WHISPER__MODEL=${cached} (KubeAI), its cache profile's folder`);
    assert.throws(
      () => loadConfig({}, { WHISPER__MODEL: `${cached}-gone` }, packageRoot),
      invalid(`WHISPER__MODEL=${cached}-gone (KubeAI) is not a folder here: KubeAI mounts a cache profile's model there`),
    );
  });

  it('serves a model of ./models by the id an hf:// URL gives, and the models folder given wins', () => {
    const tree = path.join(root, 'kubeai-tree');
    mkdirSync(path.join(tree, 'models', 'openai', 'whisper-base'), { recursive: true });
    const config = inFolder(tree, () => loadConfig({}, { WHISPER__MODEL: 'openai/whisper-base' }, packageRoot));
    assert.deepEqual([config.modelsDir, config.transcriptionModel], [path.join(tree, 'models'), 'openai/whisper-base']);
    assert.equal(loadConfig({ models }, { WHISPER__MODEL: 'openai/whisper-base' }, packageRoot).modelsDir, models);
    assert.throws(
      () => inFolder(tree, () => loadConfig({}, { WHISPER__MODEL: 'Systran/faster-whisper-base' }, packageRoot)),
      invalid(
        `WHISPER__MODEL=Systran/faster-whisper-base (KubeAI): no folder /model (a pvc:// model) and no ${path.join(tree, 'models', 'Systran', 'faster-whisper-base')}. ` +
          "ovspeech never downloads weights: give the KubeAI Model a pvc:// URL or a cache profile holding an OpenVINO export, or put the model in the image's " +
          path.join(tree, 'models'),
      ),
    );
  });

  it("serves KubeAI's /model mount for a pvc:// URL", () => {
    const mount = path.join(root, 'kubeai-pvc');
    mkdirSync(mount, { recursive: true });
    assert.deepEqual(kubeAiModel('claim/whisper', mount), {
      modelsDir: mount,
      source: `WHISPER__MODEL=claim/whisper (KubeAI), the pvc:// model mounted at ${mount}`,
    });
  });
});
