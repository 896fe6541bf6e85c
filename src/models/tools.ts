import path from 'node:path';

import type { OvSpeechError } from '../errors.js';
import { runForLines, type ChildResult } from './childLines.js';
import type { ProgressDisplay } from './progress.js';

/** Exit status of tools/tools-venv.sh when python3 cannot make a venv. */
const NO_VENV_STATUS = 3;

/** Makes the error a step fails with, from a one-line reason. */
export type Failure = (message: string) => OvSpeechError;

/** The last line of a child's stderr that says something, for a one-line reason. */
export function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .at(-1) ?? 'no message'
  );
}

export async function runTool(
  command: string,
  args: string[],
  cwd: string,
  what: string,
  fail: Failure,
  onLine: (line: string) => void = () => {},
): Promise<ChildResult> {
  try {
    return await runForLines(command, args, cwd, onLine);
  } catch (cause) {
    throw fail(`${what}: ${command} cannot be started (${(cause as Error).message})`);
  }
}

/** Makes (or brings to its pins) the tools environment of tools/tools-venv.sh and returns its Python. */
export async function makeToolsEnvironment(packageRoot: string, display: ProgressDisplay, fail: Failure): Promise<string> {
  display.update({ step: 'tools environment (pinned Python packages, CPU torch)', done: 0, total: 0 });
  const result = await runTool('bash', [path.join(packageRoot, 'tools', 'tools-venv.sh')], packageRoot, 'the tools environment', fail);
  if (result.code === NO_VENV_STATUS) throw fail(lastLine(result.stderr));
  if (result.code !== 0) throw fail(`the tools environment could not be installed: ${lastLine(result.stderr)}`);
  return path.join(packageRoot, '.cache', 'tools-venv', 'bin', 'python');
}

/**
 * Runs `python -m MODULE ARGS` in tools/ and shows the progress lines it writes to stdout
 * (tools/models/progress.py: JSON `{step, model, done, total}`) on the display.
 */
export async function runToolsModule(
  python: string,
  packageRoot: string,
  module: string,
  args: string[],
  display: ProgressDisplay,
  fail: Failure,
): Promise<ChildResult> {
  return runTool(python, ['-m', module, ...args], path.join(packageRoot, 'tools'), module, fail, (line) => {
    // fd 1 of the module carries its progress lines only; anything else would be a bug there, not worth a crash here.
    if (!line.startsWith('{')) return;
    const { step, model, done, total } = JSON.parse(line) as { step: string; model: string; done: number; total: number };
    if (step !== 'done') display.update({ step: `${step} ${model}`, done, total });
  });
}
