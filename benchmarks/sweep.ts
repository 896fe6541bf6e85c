import { type Output, type RequestResult, type Workload } from './scenarios.js';
import { UsageMeter, type ServerUsage } from './serverProcess.js';
import { type SystemUnderTest } from './systems.js';

type Answered = Exclude<RequestResult, { error: string }>;

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/**
 * One system at one concurrency: the unit of every table and chart. Rows of different systems of one run
 * share scenario, inputs and request count, so their ratios count only where `outputs` match.
 */
export interface ResultRow {
  system: string;
  concurrency: number;
  requests: number;
  failed: number;
  /** Each distinct error message and how often it came. */
  errors: Record<string, number>;
  wallSeconds: number;
  requestsPerSecond: number;
  /** Seconds of audio (input for speech to text, output for text to speech) per second of wall time, over successful requests. */
  audioSecondsPerSecond: number;
  latencyMs: Percentiles | null;
  /** Time to the first byte of streamed bodies; null when not streamed. */
  ttfbMs: Percentiles | null;
  /** CPU and memory of the server process; null when its process id is not known. */
  server: ServerUsage | null;
  /** Words of all transcripts produced (0 for speech). */
  words: number;
  /** What the system produced for each input, from its first successful request. */
  outputs: Record<string, Output>;
  /** Inputs whose repeated requests in this row produced different outputs. */
  unstableInputs: string[];
  /** In a mixed run, the answered requests of each kind apart: transcriptions (input audio) and speech (output audio). */
  byKind?: Partial<Record<RequestKind, KindRow>>;
  /** Every request in the order answered: its input, latency and time to first byte (null when not streamed or failed). */
  timings: Array<{ input: string; latencyMs: number; ttfbMs: number | null; failed: boolean }>;
}

export type RequestKind = 'transcription' | 'speech';

/** The answered requests of one kind in a row. */
export interface KindRow {
  requests: number;
  requestsPerSecond: number;
  audioSecondsPerSecond: number;
  latencyMs: Percentiles | null;
  ttfbMs: Percentiles | null;
}

/** The kind of an answered request, by what it produced. */
function kindOf(output: Output): RequestKind {
  return 'text' in output ? 'transcription' : 'speech';
}

/** Each kind's requests, rates and latencies over the row's wall time; undefined unless the row has more than one kind. */
function byKind(succeeded: readonly Answered[], wallSeconds: number): ResultRow['byKind'] {
  const kinds = new Map<RequestKind, Answered[]>();
  for (const r of succeeded) {
    const kind = kindOf(r.output);
    const answered = kinds.get(kind);
    if (answered === undefined) kinds.set(kind, [r]);
    else answered.push(r);
  }
  if (kinds.size < 2) return undefined;
  const rows: Partial<Record<RequestKind, KindRow>> = {};
  for (const [kind, answered] of kinds) {
    rows[kind] = {
      requests: answered.length,
      requestsPerSecond: answered.length / wallSeconds,
      audioSecondsPerSecond: answered.reduce((total, r) => total + r.audioSeconds, 0) / wallSeconds,
      latencyMs: percentiles(answered.map((r) => r.latencyMs)),
      ttfbMs: percentiles(answered.map((r) => r.ttfbMs).filter((t): t is number => t !== undefined)),
    };
  }
  return rows;
}

/** Nearest-rank percentiles. */
export function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
  return { p50: rank(50), p95: rank(95), p99: rank(99) };
}

/** Sends request 0, 1, … `requests - 1` (inputs in turn) from `concurrency` clients, each sending its next as soon as one is answered. */
export function runClients(workload: Workload, url: string, requests: number, concurrency: number): Promise<RequestResult[]> {
  return runClientsWhile(workload, url, concurrency, (index) => index < requests);
}

/** Sends requests 0, 1, … from `concurrency` clients, each its next as soon as one is answered, while `more()`. */
export function runClientsUntil(workload: Workload, url: string, concurrency: number, more: () => boolean): Promise<RequestResult[]> {
  return runClientsWhile(workload, url, concurrency, () => more());
}

async function runClientsWhile(workload: Workload, url: string, concurrency: number, more: (index: number) => boolean): Promise<RequestResult[]> {
  const results: RequestResult[] = [];
  let next = 0;
  const client = async () => {
    for (let index = next++; more(index); index = next++) {
      const started = performance.now();
      results.push(
        await workload.send(url, index).catch((error: unknown) => ({
          input: workload.inputIds[index % workload.inputIds.length]!,
          latencyMs: performance.now() - started,
          error: error instanceof Error ? error.message : String(error),
        })),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return results;
}

/** Measures one system at one concurrency: `requests` requests, the server's CPU and peak memory over them. */
export async function measure(system: SystemUnderTest, workload: Workload, concurrency: number, requests: number): Promise<ResultRow> {
  const meter = system.pid === undefined ? undefined : new UsageMeter(system.pid);
  meter?.begin();
  const started = performance.now();
  const results = await runClients(workload, system.url, requests, concurrency);
  const wallSeconds = (performance.now() - started) / 1000;
  const server = meter?.end() ?? null;

  const succeeded = results.filter((r): r is Answered => !('error' in r));
  const errors: Record<string, number> = {};
  for (const r of results) if ('error' in r) errors[r.error] = (errors[r.error] ?? 0) + 1;
  const outputs: Record<string, Output> = {};
  const unstable = new Set<string>();
  for (const r of succeeded) {
    const first = outputs[r.input];
    if (first === undefined) outputs[r.input] = r.output;
    else if (JSON.stringify(first) !== JSON.stringify(r.output)) unstable.add(r.input);
  }
  const ttfb = succeeded.map((r) => r.ttfbMs).filter((t): t is number => t !== undefined);
  const kinds = byKind(succeeded, wallSeconds);
  return {
    system: system.name,
    concurrency,
    requests,
    failed: results.length - succeeded.length,
    errors,
    wallSeconds,
    requestsPerSecond: succeeded.length / wallSeconds,
    audioSecondsPerSecond: succeeded.reduce((total, r) => total + r.audioSeconds, 0) / wallSeconds,
    latencyMs: percentiles(succeeded.map((r) => r.latencyMs)),
    ttfbMs: percentiles(ttfb),
    server,
    words: succeeded.reduce((total, r) => total + r.words, 0),
    outputs,
    unstableInputs: [...unstable].sort(),
    ...(kinds === undefined ? {} : { byKind: kinds }),
    timings: results.map((r) => ({ input: r.input, latencyMs: r.latencyMs, ttfbMs: 'error' in r ? null : (r.ttfbMs ?? null), failed: 'error' in r })),
  };
}
