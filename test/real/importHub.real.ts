/**
 * `ovspeech import OWNER/NAME` for real, against a local HTTP server speaking the Hugging Face Hub's API
 * (test/helpers/hubServer.ts): the Hub is a third-party peer no test machine reaches. The CLI finds it by
 * HF_ENDPOINT, as huggingface_hub reads it, with HF_HOME in a temp folder so that no real cache is touched.
 * The repositories are the tiny checkpoints of tools/fixtures/import_sources.py.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ensurePythonEnv, venvPython } from '../accuracy/pythonEnv.js';
import { startChildServer, type ChildServer } from '../helpers/childServer.js';
import { startHubServer, type HubServer } from '../helpers/hubServer.js';
import { errorLine, ovspeechImport, type CliRun } from '../helpers/importCli.js';
import { tempDir } from '../helpers/irFolder.js';
import { probeAudio } from '../helpers/probe.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WHISPER = 'tiny-org/whisper-tiny';
const SPEECHT5 = 'tiny-org/speecht5-tiny';
const VOCODER = 'tiny-org/speecht5-hifigan';
const MISSING = 'tiny-org/no-such-model';

describe('ovspeech import from the Hugging Face Hub', () => {
  const dir = tempDir('import-hub');
  const sources = path.join(dir, 'sources');
  const models = path.join(dir, 'models');
  const missingModels = path.join(dir, 'missing-models');
  const hfHome = path.join(dir, 'hf-home');
  const started = Date.now();
  let hub: HubServer;
  let server: ChildServer | undefined;
  const runs = new Map<string, CliRun>();

  before(async () => {
    ensurePythonEnv();
    execFileSync(venvPython, ['-m', 'fixtures.import_sources', '--hub', sources], {
      cwd: path.join(packageRoot, 'tools'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    process.stderr.write(`checkpoints generated after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    hub = await startHubServer({
      [WHISPER]: path.join(sources, 'hf-whisper'),
      [SPEECHT5]: path.join(sources, 'hf-speecht5'),
      [VOCODER]: path.join(sources, 'hf-hifigan'),
    });
    const env: NodeJS.ProcessEnv = { HF_ENDPOINT: hub.url, HF_HOME: hfHome, HF_HUB_OFFLINE: '0', TRANSFORMERS_OFFLINE: '0' };
    const [whisper, speecht5, missing] = await Promise.all([
      ovspeechImport([WHISPER, '--models', models], env),
      ovspeechImport([SPEECHT5, '--vocoder', VOCODER, '--models', models], env),
      ovspeechImport([MISSING, '--models', missingModels], env),
    ]);
    runs.set(WHISPER, whisper!).set(SPEECHT5, speecht5!).set(MISSING, missing!);
    process.stderr.write(`imported after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
  after(async () => {
    await server?.stop();
    await hub?.close();
    process.stderr.write(`importHub.real.ts: ${((Date.now() - started) / 1000).toFixed(1)} s in all\n`);
  });

  it('downloads each repository, under its Hugging Face id by default', () => {
    for (const id of [WHISPER, SPEECHT5]) {
      const run = runs.get(id)!;
      assert.equal(run.code, 0, `${id}:\n${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^imported ${id} in \\d+ s: ${path.join(models, id)}\\n$`));
    }
    assert.deepEqual(readdirSync(path.join(models, 'tiny-org')).sort(), ['speecht5-tiny', 'whisper-tiny']);
    // The downloaded files themselves are scratch: only the exported model is kept.
    assert.ok(readdirSync(path.join(models, WHISPER)).includes('openvino_encoder_model.xml'));
    assert.equal(existsSync(path.join(models, WHISPER, 'model.safetensors')), false);
  });

  it("makes exactly the Hub's requests huggingface_hub makes: the repository info, then each file's HEAD and GET (LFS weights by their redirect)", () => {
    const expected = [...[WHISPER, SPEECHT5, VOCODER].flatMap((id) => hub.expectedRequests(id)), `GET /api/models/${MISSING}/revision/main`];
    const registry = 'GET /api/agent-harnesses';
    assert.deepEqual(hub.requests.filter((request) => request !== registry).sort(), expected.sort());
    assert.ok(
      expected.some((request) => request.startsWith('GET /lfs/')),
      'no file went through the LFS redirect',
    );
    // Once in each of the three imports, unless another has cached it in HF_HOME already: the temp one.
    const registryFetches = hub.requests.filter((request) => request === registry).length;
    assert.ok(registryFetches >= 1 && registryFetches <= 3, `${registryFetches} fetches of the agent registry`);
    assert.ok(existsSync(path.join(hfHome, '.agent_harnesses.json')), 'huggingface_hub did not use the temp HF_HOME');
  });

  it('serves the downloaded models: Whisper transcribes, SpeechT5 speaks', async () => {
    server = await startChildServer(['--models', models]);
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(listed.data.map((m) => m.id).sort(), [SPEECHT5, WHISPER]);
    const form = new FormData();
    const clip = readFileSync(path.join(packageRoot, 'test', 'fixtures', 'audio', 'en_5s.wav'));
    form.append('file', new Blob([clip], { type: 'audio/wav' }), 'en_5s.wav');
    form.append('model', WHISPER);
    form.append('language', 'en');
    const transcription = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
    assert.equal(transcription.status, 200, await transcription.clone().text());
    assert.equal(typeof ((await transcription.json()) as { text: unknown }).text, 'string');
    const speech = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: SPEECHT5, input: 'Hello there.', voice: 'alloy', response_format: 'wav' }),
    });
    assert.equal(speech.status, 200, await speech.clone().text());
    const probed = probeAudio(Buffer.from(await speech.arrayBuffer()), 'wav');
    assert.equal(probed.sampleRate, 16_000);
    assert.ok(probed.duration > 0.1, `${probed.duration} s`);
  });

  it('refuses a repository the Hub has not, in one line, and leaves no folder', () => {
    const run = runs.get(MISSING)!;
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      errorLine(run),
      `ovspeech: SOURCE ${MISSING} is not a local folder, nor a repository on the Hugging Face Hub that this machine may read (a private or gated one needs a token with access to it: HF_TOKEN or \`hf auth login\`)`,
    );
    assert.equal(existsSync(missingModels), false);
  });
});
