// The Dockerfile passes hadolint (the pinned tools environment's, .cache/deploy-venv), and a known fault in
// a copy of it is caught. Building and running the image is deploy/test-image.sh's (buildah, minutes).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { tempDir } from '../helpers/irFolder.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hadolint = path.join(packageRoot, '.cache', 'deploy-venv', 'bin', 'hadolint');
const dockerfile = path.join(packageRoot, 'Dockerfile');

function lint(file: string) {
  const result = spawnSync(hadolint, ['--config', path.join(packageRoot, '.hadolint.yaml'), '--no-color', file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.error, undefined, `hadolint did not run: ${String(result.error)}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy: the Dockerfile', () => {
  before(() => execFileSync('bash', [path.join(packageRoot, 'deploy', 'deploy-venv.sh')], { stdio: 'inherit' }));

  it('has no hadolint findings', () => {
    const { status, output } = lint(dockerfile);
    assert.equal(status, 0, output);
  });

  it('runs as the non-root user, and a copy that runs as root is caught', () => {
    const text = readFileSync(dockerfile, 'utf8');
    assert.match(text, /^USER 10001:10001$/m);
    const copy = path.join(tempDir('dockerfile'), 'Dockerfile');
    writeFileSync(copy, text.replace('USER 10001:10001', 'USER root'));
    const { status, output } = lint(copy);
    assert.notEqual(status, 0);
    assert.match(output, /DL3002 .*Last USER should not be root/);
  });
});
