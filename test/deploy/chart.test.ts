import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { tempDir } from '../helpers/irFolder.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const chart = path.join(packageRoot, 'deploy', 'helm', 'ovspeech');
const python = path.join(packageRoot, '.cache', 'deploy-venv', 'bin', 'python');
const checkScript = path.join(packageRoot, 'deploy', 'check_chart.py');
/** The value sets the chart's README promises. */
const valueSets = ['default.yaml', 'keda.yaml', 'prometheus-adapter-hpa.yaml', 'intel-gpu.yaml'];

/** Runs deploy/check_chart.py (Helm and kubernetes-validate, offline) in the pinned tools environment. */
function runCheck(args: string[] = []) {
  const result = spawnSync(python, [checkScript, ...args], { cwd: packageRoot, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.error, undefined, `${checkScript} did not run: ${String(result.error)}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}\n${result.stderr}` };
}

/** A copy of the chart with one text of one file replaced. */
function brokenChart(file: string, from: string, to: string): string {
  const copy = path.join(tempDir('chart'), 'ovspeech');
  cpSync(chart, copy, { recursive: true });
  const text = readFileSync(path.join(copy, file), 'utf8');
  assert.ok(text.includes(from), `${file} holds no ${from}`);
  writeFileSync(path.join(copy, file), text.replace(from, to));
  return copy;
}

describe('deploy: the Helm chart renders and validates offline', () => {
  // Idempotent, and at once when the environment is already at the pins (npm run test:setup makes it).
  before(() => execFileSync('bash', [path.join(packageRoot, 'deploy', 'deploy-venv.sh')], { stdio: 'inherit' }));

  it('passes for every value set, the bad values are refused and the plain manifests are current', () => {
    const { status, stdout, output } = runCheck();
    assert.equal(status, 0, output);
    for (const name of valueSets) assert.match(stdout, new RegExp(`^${name.replace('.', '\\.')}: \\d+ objects \\(.+\\): ok$`, 'm'), stdout);
    assert.match(stdout, /^keda\.yaml: .*ScaledObject.*: ok$/m);
    assert.match(stdout, /^prometheus-adapter-hpa\.yaml: .*HorizontalPodAutoscaler.*: ok$/m);
    assert.match(stdout, /bad values \(autoscaling\.mode bogus\): refused: .*value must be one of 'none', 'keda', 'hpa'/);
    assert.match(stdout, /bad values \(grace period below the request timeout\): refused: .*terminationGracePeriodSeconds 60 is below 605/);
  });

  it('fails, naming the value set, object and field, for a chart whose readiness probe asks the wrong path', () => {
    const broken = brokenChart('values.yaml', 'path: /health/ready', 'path: /health/live');

    const { status, stderr, output } = runCheck(['--chart', broken]);
    assert.equal(status, 1, output);
    for (const name of valueSets) {
      assert.ok(
        stderr.includes(`FAIL ${name}: Deployment/ovspeech: containers[ovspeech].readinessProbe.httpGet.path: '/health/live', want /health/ready`),
        stderr,
      );
    }
    assert.match(stderr, /FAIL deploy\/manifests\/ovspeech\.yaml: differs from a fresh rendering/);
  });

  it('fails for a chart that sets the replicas an autoscaler owns', () => {
    const broken = brokenChart(path.join('templates', 'deployment.yaml'), '{{- if eq .Values.autoscaling.mode "none" }}', '{{- if true }}');

    const { status, stderr, output } = runCheck(['--chart', broken]);
    assert.equal(status, 1, output);
    assert.ok(stderr.includes('FAIL keda.yaml: Deployment/ovspeech: spec.replicas: set although keda scales the Deployment'), stderr);
    assert.ok(
      stderr.includes('FAIL prometheus-adapter-hpa.yaml: Deployment/ovspeech: spec.replicas: set although hpa scales the Deployment'),
      stderr,
    );
    assert.doesNotMatch(stderr, /FAIL default\.yaml/);
  });
});
