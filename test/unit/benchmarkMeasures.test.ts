import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';

import { benchMarkdown, type BenchResults, matching } from '../../benchmarks/report.js';
import { ENVELOPE_TOLERANCE, type Workload } from '../../benchmarks/scenarios.js';
import { packageRoot } from '../accuracy/corpus.js';
import { UsageMeter } from '../../benchmarks/serverProcess.js';
import { measure, percentiles, runClients, type ResultRow } from '../../benchmarks/sweep.js';

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

describe('benchmark harness: measures', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.deepEqual(percentiles(values), { p50: 50, p95: 95, p99: 99 });
    assert.deepEqual(percentiles([7]), { p50: 7, p95: 7, p99: 7 });
    assert.deepEqual(percentiles([1, 2, 3]), { p50: 2, p95: 3, p99: 3 });
    assert.equal(percentiles([]), null);
  });

  it("reads a process's CPU time and peak resident memory from /proc", () => {
    const meter = new UsageMeter(process.pid);
    const before = process.cpuUsage();
    meter.begin();
    // Busy until getrusage(2) counts 0.3 s of CPU, however loaded the machine is.
    while (cpuSecondsSince(before) < 0.3);
    const usage = meter.end();
    const expected = cpuSecondsSince(before);
    // /proc counts clock ticks (10 ms); other threads of the process may add a little.
    assert.ok(Math.abs(usage.cpuSeconds - expected) <= 0.05, `cpuSeconds ${usage.cpuSeconds}, getrusage ${expected}`);
    assert.ok(usage.cpuCores > 0 && usage.cpuCores <= 4, `cpuCores ${usage.cpuCores}`);
    assert.ok(usage.peakRssMiB > 10 && usage.peakRssMiB < 4096, `peakRssMiB ${usage.peakRssMiB}`);
  });

  it('keeps the given number of requests in flight, sending each index once, over HTTP', async () => {
    let inFlight = 0;
    let most = 0;
    const server = createServer((_, response) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        response.end('ok');
      }, 30);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sent: number[] = [];
    const workload: Workload = {
      scenario: 'tts',
      audioCounted: 'output',
      stream: 'none',
      description: {},
      inputIds: ['a', 'b', 'c'],
      async send(base, index) {
        sent.push(index);
        const started = performance.now();
        const text = await (await fetch(base)).text();
        return { input: 'abc'[index % 3]!, latencyMs: performance.now() - started, ttfbMs: undefined, audioSeconds: 1, output: { text }, words: 1 };
      },
    };
    try {
      const results = await runClients(workload, url, 10, 4);
      assert.equal(results.length, 10);
      assert.deepEqual(
        [...sent].sort((a, b) => a - b),
        [...Array(10).keys()],
      );
      assert.equal(most, 4);

      // A mixed row: transcriptions (a transcript) and speech (audio) counted apart, and together.
      const mixed: Workload = {
        ...workload,
        async send(base, index) {
          const answered = await workload.send(base, index);
          if ('error' in answered || index % 2 === 0) return answered;
          return { ...answered, audioSeconds: 3, output: { samples: 3, sha256: 'x', envelope: [0] }, words: 0 };
        },
      };
      const row = await measure({ name: 'test', settings: {}, url, pid: undefined, close: async () => {} }, mixed, 2, 10);
      assert.equal(row.requests, 10);
      assert.deepEqual([row.byKind?.transcription?.requests, row.byKind?.speech?.requests], [5, 5]);
      assert.ok(Math.abs(row.byKind!.speech!.audioSecondsPerSecond - 3 * row.byKind!.transcription!.audioSecondsPerSecond) < 1e-9);
      assert.ok(
        Math.abs(row.audioSecondsPerSecond - row.byKind!.speech!.audioSecondsPerSecond - row.byKind!.transcription!.audioSecondsPerSecond) < 1e-9,
      );
      assert.equal((await measure({ name: 'test', settings: {}, url, pid: undefined, close: async () => {} }, workload, 2, 4)).byKind, undefined);
    } finally {
      server.close();
    }
  });

  it("counts the inputs whose output equals the reference row's: the same transcript, or audio of one length and envelope within the tolerance", () => {
    const row = (outputs: ResultRow['outputs']) => ({ outputs }) as ResultRow;
    const audio = (samples: number, sha256: string, envelope: number[]) => ({ samples, sha256, envelope });
    const reference = row({
      a: { text: 'x' },
      b: { text: 'y' },
      c: audio(3, 'f', [0.1, 0.2]),
      d: audio(3, 'f', [0.1, 0.2]),
      e: audio(3, 'f', [0.1, 0.2]),
    });
    const other = row({
      a: { text: 'x' },
      b: { text: 'z' },
      c: audio(3, 'another runtime', [0.1 + ENVELOPE_TOLERANCE / 2, 0.2]),
      d: audio(3, 'f', [0.1 + 2 * ENVELOPE_TOLERANCE, 0.2]),
      e: audio(4, 'f', [0.1, 0.2]),
    });
    assert.deepEqual(matching(other, reference), { equal: 2, compared: 5 });
    assert.deepEqual(matching(row({ a: { text: 'x' } }), reference), { equal: 1, compared: 1 });
  });

  it("takes ratios over GenAI serial and over the best faster-whisper row, of all and of those whose outputs equal GenAI's", () => {
    // The committed stt-short results, with rows made up for the ratios.
    const committed = JSON.parse(readFileSync(path.join(packageRoot, 'benchmarks', 'results', 'bench-stt-short.json'), 'utf8')) as BenchResults;
    const row = (system: string, audioSecondsPerSecond: number, text: string): ResultRow => ({
      ...committed.rows[0]!,
      system,
      concurrency: 8,
      audioSecondsPerSecond,
      latencyMs: { p50: 100, p95: 100, p99: 100 },
      outputs: { a: { text } },
    });
    const results: BenchResults = {
      ...committed,
      rows: [
        row('ovspeech', 6, 'x'),
        row('GenAI WhisperPipeline, serial', 5, 'x'),
        row('faster-whisper float32, 2 workers', 4, 'y'),
        row('faster-whisper float32, padded to 30 s, 2 workers', 3, 'x'),
      ],
    };
    const ratios = benchMarkdown(results).split('## Ratios')[1]!;
    assert.ok(
      ratios.includes(
        '| ovspeech | 8 | 1.20 | 1.00 | 1.50 (faster-whisper float32, 2 workers) | 2.00 (faster-whisper float32, padded to 30 s, 2 workers) | 1/1 |',
      ),
      ratios,
    );
    assert.ok(
      ratios.includes(
        '| faster-whisper float32, 2 workers | 8 | 0.80 | 1.00 | – | 1.33 (faster-whisper float32, padded to 30 s, 2 workers) | 0/1: does not count |',
      ),
      ratios,
    );
  });
});
