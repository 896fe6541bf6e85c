#!/usr/bin/env node
// npm's install step: fetch the OpenVINO SDK as pinned wheels from PyPI into a project-local
// virtual environment, then build the addon against it with cmake-js.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venv = path.join(root, '.venv');
const venvPython = path.join(venv, 'bin', 'python');
const requirements = path.join(root, 'native', 'openvino-requirements.txt');

function fail(sentence) {
  console.error(`ovspeech install: ${sentence}`);
  process.exit(1);
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) fail(`${what} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} failed (exit code ${result.status}); see the output above.`);
}

function capture(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function ensureVirtualEnvironment() {
  if (existsSync(venvPython)) return;
  const python = process.env.PYTHON ?? 'python3';
  if (capture(python, ['--version']) === undefined) {
    fail(`${python} was not found: install Python 3 with its venv module (Debian: apt-get install python3 python3-venv).`);
  }
  if (capture(python, ['-c', 'import venv, ensurepip']) === undefined) {
    fail(`${python} has no working venv module: install it (Debian: apt-get install python3-venv).`);
  }
  run(python, ['-m', 'venv', venv], 'Creating the Python virtual environment');
}

function openvinoPaths() {
  const script = [
    'import os, openvino, openvino_tokenizers',
    'print(os.path.join(os.path.dirname(openvino.__file__), "cmake"))',
    'print(os.path.join(os.path.dirname(openvino_tokenizers.__file__), "lib", "libopenvino_tokenizers.so"))',
  ].join('\n');
  const out = capture(venvPython, ['-c', script]);
  if (out === undefined) fail('the openvino wheels are installed but cannot be imported from .venv.');
  const [cmakeDir, tokenizersLib] = out.split('\n');
  return { cmakeDir, tokenizersLib };
}

ensureVirtualEnvironment();
run(venvPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], 'Installing the OpenVINO wheels');
const { cmakeDir, tokenizersLib } = openvinoPaths();
const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
run(
  process.execPath,
  [cmakeJs, 'compile', '--directory', root, '--parallel', '2', `--CDOpenVINO_DIR=${cmakeDir}`, `--CDOVSPEECH_TOKENIZERS_LIB=${tokenizersLib}`],
  'Building the native addon',
);
