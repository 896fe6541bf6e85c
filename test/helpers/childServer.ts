import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(packageRoot, 'dist', 'cli.js');
export const fixtureModels = path.join(packageRoot, 'test', 'fixtures', 'models');

/** Output kept for a report: this many characters from the start (how it started) and as many from the end. */
const KEPT_OUTPUT = 16 * 1024;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * `ovspeech serve` as its own process (built `dist/cli.js`), so that a crash ends that process and not
 * the test: `exit` is set once it has exited, and `output()` is the head and the tail of what it printed.
 */
export interface ChildServer {
  readonly url: string;
  readonly exit: ChildExit | undefined;
  /** Resolves when the process exits. */
  readonly exited: Promise<ChildExit>;
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface ChildServerOptions {
  /** Until /health says ready, from the start; default 2 minutes. */
  readyTimeoutMs?: number;
  /**
   * A working directory to serve the default models of: its ./models, prepared on the first start,
   * instead of the bundled tiny ones.
   */
  defaultModelsIn?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `ovspeech serve --host 127.0.0.1 --port 0 ...args` with the bundled tiny models unless args
 * name others, and waits until /health says every model is ready.
 */
export async function startChildServer(args: string[], options: ChildServerOptions = {}): Promise<ChildServer> {
  const { readyTimeoutMs = 120_000, defaultModelsIn, env = process.env } = options;
  const models = defaultModelsIn === undefined ? ['--models', fixtureModels] : [];
  const child = spawn(process.execPath, [cli, 'serve', ...models, '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: defaultModelsIn,
    env,
  });
  let head = '';
  let tail = '';
  let dropped = 0;
  const keep = (text: string) => {
    const forHead = text.slice(0, KEPT_OUTPUT - head.length);
    head += forHead;
    const joined = tail + text.slice(forHead.length);
    dropped += Math.max(0, joined.length - KEPT_OUTPUT);
    tail = joined.slice(-KEPT_OUTPUT);
  };
  const output = () => (dropped === 0 ? head + tail : `${head}\n[… ${dropped} characters …]\n${tail}`);
  child.stderr.setEncoding('utf8').on('data', keep);
  let exit: ChildExit | undefined;
  const exited = once(child, 'exit').then(([code, signal]) => (exit = { code: code as number | null, signal: signal as NodeJS.Signals | null }));

  let url: string | undefined;
  const lines = createInterface({ input: child.stdout });
  const found = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      keep(`${line}\n`);
      if (url !== undefined) return;
      try {
        const entry = JSON.parse(line) as { url?: unknown };
        if (typeof entry.url === 'string') resolve((url = entry.url));
      } catch {
        // Not a log line; kept for the report.
      }
    });
    void exited.then(() => reject(new Error(`ovspeech exited before listening:\n${output()}`)));
  });
  const deadline = Date.now() + readyTimeoutMs;
  const listening = await Promise.race([
    found,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`ovspeech did not listen within ${readyTimeoutMs} ms:\n${output()}`)), readyTimeoutMs).unref(),
    ),
  ]);
  for (;;) {
    if (exit !== undefined) throw new Error(`ovspeech exited while loading its models:\n${output()}`);
    const health = await fetch(`${listening}/health`).catch(() => undefined);
    if (health?.status === 200) break;
    await health?.body?.cancel();
    if (Date.now() > deadline) throw new Error(`ovspeech's models were not ready within ${readyTimeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url: listening,
    get exit() {
      return exit;
    },
    exited,
    output,
    async stop(graceMs = 15_000) {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
