import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';

import { packageRoot } from '../test/accuracy/corpus.js';
import { venvPython } from '../test/accuracy/pythonEnv.js';

/**
 * A system under test: an OpenAI-compatible speech server reached over HTTP, and the process whose CPU and
 * memory are measured. ovspeech is one; the reference runners (GenAI, faster-whisper; piper-onnx to come) are
 * others, each behind the same endpoints, so that one load generator drives them all alike.
 */
export interface SystemUnderTest {
  /** The name in result rows and chart legends, e.g. "ovspeech --workers 1". */
  name: string;
  /** What the system is and how it is configured, recorded with each row. */
  settings: Record<string, unknown>;
  /** Base URL without the /v1 prefix. */
  url: string;
  /** The server's process id, when known: CPU and memory are read from /proc/PID. */
  pid: number | undefined;
  close(): Promise<void>;
}

/** How long a started server may take to listen and load its models. */
const START_TIMEOUT_MS = 300_000;
const HEALTH_POLL_MS = 250;

export interface OvspeechOptions {
  modelsDir: string;
  workers: number | undefined;
  queueLength: number | undefined;
  /** OpenVINO's INFERENCE_PRECISION_HINT for every model; unset, the device's default. */
  inferencePrecision: string | undefined;
}

/** Starts the real CLI (`node dist/cli.js serve`) on an ephemeral port and waits until /health says every model is ready. */
export function startOvspeech(options: OvspeechOptions): Promise<SystemUnderTest> {
  // No request timeout: a client of a long clip at 32 clients waits its turn, as the load generator's do.
  const args = [
    path.join(packageRoot, 'dist', 'cli.js'),
    'serve',
    '--models',
    options.modelsDir,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--request-timeout',
    '0',
  ];
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  if (options.queueLength !== undefined) args.push('--queue-length', String(options.queueLength));
  if (options.inferencePrecision !== undefined) args.push('--inference-precision', options.inferencePrecision);
  const name = `ovspeech${options.workers === undefined ? '' : ` --workers ${options.workers}`}`;
  const settings = { server: 'ovspeech', command: `ovspeech ${args.slice(1).join(' ')}`, workers: options.workers ?? 'default' };
  return startServer(name, settings, process.execPath, args);
}

/** The reference runners of benchmarks/reference_server.py. */
export const REFERENCE_RUNNERS = ['genai', 'faster-whisper', 'piper'] as const;
export type ReferenceRunner = (typeof REFERENCE_RUNNERS)[number];

export interface ReferenceOptions {
  runner: ReferenceRunner;
  /** An OpenVINO Whisper folder for genai, a CTranslate2 one for faster-whisper, a voice's .onnx file for piper. */
  modelDir: string;
  /** 1: one model behind a lock; N: N models, each with cores / N threads. */
  workers: number;
  /** faster-whisper's CTranslate2 compute type, and whether it is fed clips padded to a 30 s window. */
  fasterWhisper?: { computeType: 'float32' | 'int8'; padded: boolean; batched: boolean };
  /** GenAI's INFERENCE_PRECISION_HINT; unset, the device's default. */
  inferencePrecision?: string | undefined;
}

/** Starts a reference runner: Whisper's in the accuracy suite's pinned Python environment, Piper's in .venv (onnxruntime, pinned by the tests). */
export function startReference(options: ReferenceOptions): Promise<SystemUnderTest> {
  const args = [path.join(packageRoot, 'benchmarks', 'reference_server.py'), options.runner, options.modelDir, '--workers', String(options.workers)];
  let label = { genai: 'GenAI WhisperPipeline', 'faster-whisper': 'faster-whisper', piper: 'Piper onnxruntime' }[options.runner];
  const fasterWhisper = options.fasterWhisper;
  if (fasterWhisper !== undefined) {
    args.push(
      '--compute-type',
      fasterWhisper.computeType,
      ...(fasterWhisper.padded ? ['--pad-to-window'] : []),
      ...(fasterWhisper.batched ? ['--batched'] : []),
    );
    label += ` ${fasterWhisper.computeType}${fasterWhisper.padded ? ', padded to 30 s' : ''}${fasterWhisper.batched ? ', batched pipeline' : ''}`;
  }
  if (options.inferencePrecision !== undefined) args.push('--inference-precision', options.inferencePrecision);
  const name = options.workers === 1 ? `${label}, serial` : `${label}, ${options.workers} workers`;
  const settings = {
    server: `benchmarks/reference_server.py ${options.runner}`,
    modelDir: options.modelDir,
    workers: options.workers,
    ...fasterWhisper,
    inferencePrecision: options.inferencePrecision,
  };
  const python = options.runner === 'piper' ? path.join(packageRoot, '.venv', 'bin', 'python') : venvPython;
  return startServer(name, settings, python, args);
}

/**
 * Spawns a server that prints a JSON line with its `url` on stdout once it listens, then waits until its
 * /health answers 200.
 */
async function startServer(name: string, settings: Record<string, unknown>, command: string, args: string[]): Promise<SystemUnderTest> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OVSPEECH_LOG_LEVEL: 'info' } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-8192)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready:\n${stderr}`))),
  );
  const close = () => stop(child);
  try {
    const url = await Promise.race([listeningUrl(child), exited, timeout(name, 'listen')]);
    await Promise.race([waitHealthy(url), exited, timeout(name, 'load its models')]);
    return { name, settings, url, pid: child.pid, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A server already running at `url`; `pid`, when given, is its process for CPU and memory. */
export async function connectOvspeech(url: string, pid: number | undefined): Promise<SystemUnderTest> {
  const base = url.replace(/\/+$/, '');
  await waitHealthy(base);
  return { name: 'ovspeech', settings: { server: 'ovspeech', url: base }, url: base, pid, close: async () => {} };
}

function timeout(name: string, what: string): Promise<never> {
  return new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`${name} did not ${what} within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS).unref(),
  );
}

/** The `url` of the first JSON line on the server's stdout that has one (ovspeech's "listening on" log record). */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const record = JSON.parse(line) as { url?: unknown };
        if (typeof record.url === 'string') resolve(record.url);
      } catch {
        // Not a log record: ignore it.
      }
    });
  });
}

/** Polls GET /health until it answers 200 (every model loaded); a model that failed to load is an error. */
async function waitHealthy(url: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${url}/health`).catch(() => undefined);
    if (response?.status === 200) return;
    const body = response === undefined ? undefined : await response.text();
    if (body?.includes('"failed"')) throw new Error(`a model failed to load: ${body}`);
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
