import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { tempDir, writeIrFolder } from '../helpers/irFolder.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(packageRoot, 'dist', 'cli.js');

function runCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
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
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, OVSPEECH_MODELS: models },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const logged: { msg: string; url?: string }[] = [];
    let url: string | undefined;
    for await (const line of lines) {
      const entry = JSON.parse(line) as { msg: string; url?: string };
      logged.push(entry);
      if (entry.url !== undefined) {
        url = entry.url;
        break;
      }
    }
    assert.match(logged[0]?.msg ?? '', new RegExp(`serving models from ${models} \\(OVSPEECH_MODELS\\)`));
    assert.ok(url);
    const listed = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      listed.data.map((m) => m.id),
      ['tiny'],
    );
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    await assert.rejects(fetch(`${url}/health`), 'the server no longer accepts connections');
  });
});
