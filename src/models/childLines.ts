import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Enough of a child's stderr for its last messages. */
const STDERR_TAIL_CHARACTERS = 8192;

export interface ChildResult {
  code: number | null;
  /** The end of what the child wrote to stderr. */
  stderr: string;
}

/**
 * Runs `command args` without a shell, hands each line it writes to stdout to `onLine`, and resolves
 * when it exits. A command that cannot be started rejects with the spawn error (ENOENT: not installed).
 */
export function runForLines(command: string, args: readonly string[], cwd: string, onLine: (line: string) => void): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_CHARACTERS);
    });
    createInterface({ input: child.stdout }).on('line', onLine);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: stderr.trim() }));
  });
}
