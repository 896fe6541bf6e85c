import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { accuracyDir, packageRoot } from './corpus.js';

/** The project's pinned tools environment (tools/tools-venv.sh), with the suite's own pins added. */
export const venvDir = path.join(packageRoot, '.cache', 'tools-venv');
export const venvPython = path.join(venvDir, 'bin', 'python');
const requirementFiles = [path.join(accuracyDir, 'requirements.txt'), path.join(packageRoot, 'tools', 'requirements.txt')];
const referenceScript = path.join(accuracyDir, 'reference.py');
/** The hash of the requirement files the suite's packages were installed from, so that a change of pins reinstalls. */
const stampFile = path.join(venvDir, 'accuracy-requirements.sha256');

function requirementsHash(): string {
  const hash = createHash('sha256');
  for (const file of requirementFiles) hash.update(readFileSync(file));
  return hash.digest('hex');
}

/** True when the environment exists and was installed from the current pins. */
export function pythonEnvReady(): boolean {
  return existsSync(venvPython) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === requirementsHash();
}

/**
 * Makes or updates the tools environment, then adds the suite's pins with --no-deps, so that no
 * version but the pinned ones comes in.
 */
export function ensurePythonEnv(): void {
  if (pythonEnvReady()) return;
  execFileSync('bash', [path.join(packageRoot, 'tools', 'tools-venv.sh')], { stdio: 'inherit' });
  execFileSync(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '-r', requirementFiles[0]!], {
    stdio: 'inherit',
  });
  writeFileSync(stampFile, requirementsHash());
}

/** Runs a command of reference.py in the environment; its stdout is JSON. */
export function runReference<T>(args: readonly string[], input?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython, [referenceScript, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err = (err + text).slice(-8192)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`reference.py ${args[0]} exited with code ${code}:\n${err}`));
      else resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as T);
    });
    child.stdin.end(input === undefined ? '' : JSON.stringify(input));
  });
}
