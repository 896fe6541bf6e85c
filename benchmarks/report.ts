import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { packageRoot } from '../test/accuracy/corpus.js';

import { sameOutput, type ScenarioName, type Workload } from './scenarios.js';
import { percentiles, type ResultRow } from './sweep.js';

/** What bench.ts writes to bench-SCENARIO.json; the Markdown table and the chart are made from this alone. */
export interface BenchResults {
  generated: string;
  commit: string;
  machine: { cpu: string; cores: number; node: string; platform: string; loadAverage: number[] };
  scenario: ScenarioName;
  workload: Record<string, unknown>;
  audioCounted: Workload['audioCounted'];
  stream: string;
  requestsPerStep: number;
  warmupRequests: number;
  concurrencies: number[];
  systems: Array<{ name: string; settings: Record<string, unknown> }>;
  rows: ResultRow[];
}

const fixed = (x: number, digits: number) => x.toFixed(digits);
const ms = (x: number | undefined) => (x === undefined ? '–' : fixed(x, 0));

/** Inputs of `row` whose output equals `reference`'s, of the inputs both answered. */
export function matching(row: ResultRow, reference: ResultRow): { equal: number; compared: number } {
  const ids = Object.keys(reference.outputs).filter((id) => id in row.outputs);
  const equal = ids.filter((id) => sameOutput(row.outputs[id]!, reference.outputs[id]!)).length;
  return { equal, compared: ids.length };
}

export function benchMarkdown(results: BenchResults): string {
  const reference = results.rows[0];
  const audio = { input: 'input audio', output: 'output audio', 'input and output': 'input audio of transcriptions and output audio of speech' }[
    results.audioCounted
  ];
  const out: string[] = [];
  out.push(`# Benchmark: ${results.scenario}`);
  out.push('');
  out.push(
    `${results.generated}, commit ${results.commit}; ${results.machine.cpu}, ${results.machine.cores} cores, load average ` +
      `${results.machine.loadAverage.map((x) => fixed(x, 2)).join(' ')} at the start; Node ${results.machine.node}.`,
  );
  out.push('');
  out.push(
    `${results.requestsPerStep} requests per concurrency after ${results.warmupRequests} warm-up requests; streamed: ${results.stream}. ` +
      `Audio-s/s counts ${audio}. Inputs: ${String(results.workload.inputs)}.`,
  );
  out.push('');
  out.push(
    `"same output" compares each input's output with the first row's (${reference?.system ?? '–'}, ${reference?.concurrency ?? '–'} clients).`,
  );
  out.push('');
  const header = [
    'system',
    'clients',
    'ok / sent',
    'req/s',
    'audio-s/s',
    'latency p50 / p95 / p99 ms',
    'TTFB p50 / p95 / p99 ms',
    'CPU cores',
    'peak RSS MiB',
    'same output',
  ];
  out.push(`| ${header.join(' | ')} |`);
  out.push(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of results.rows) {
    const match = reference === undefined ? undefined : matching(row, reference);
    const cells = [
      row.system,
      String(row.concurrency),
      `${row.requests - row.failed} / ${row.requests}`,
      fixed(row.requestsPerSecond, 2),
      fixed(row.audioSecondsPerSecond, 2),
      row.latencyMs === null ? '–' : `${ms(row.latencyMs.p50)} / ${ms(row.latencyMs.p95)} / ${ms(row.latencyMs.p99)}`,
      row.ttfbMs === null ? '–' : `${ms(row.ttfbMs.p50)} / ${ms(row.ttfbMs.p95)} / ${ms(row.ttfbMs.p99)}`,
      row.server === null ? '–' : fixed(row.server.cpuCores, 2),
      row.server === null ? '–' : `${fixed(row.server.peakRssMiB, 0)}${row.server.peakRssFrom === 'sampled' ? ' (sampled)' : ''}`,
      match === undefined ? '–' : `${match.equal}/${match.compared}${row.unstableInputs.length > 0 ? `, ${row.unstableInputs.length} unstable` : ''}`,
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  out.push(...kindSection(results));
  out.push(...firstByteSection(results));
  out.push(...ratioSection(results));
  const errors = results.rows.flatMap((row) =>
    Object.entries(row.errors).map(([message, count]) => `- ${row.system}, ${row.concurrency} clients: ${count}× ${message}`),
  );
  if (errors.length > 0) out.push('', '## Errors', '', ...errors);
  out.push('', '## Systems', '');
  for (const system of results.systems) out.push(`- **${system.name}**: \`${JSON.stringify(system.settings)}\``);
  out.push('');
  return out.join('\n');
}

/** For a mixed run: each row's transcriptions and speech apart, over the row's wall time. */
function kindSection(results: BenchResults): string[] {
  if (!results.rows.some((row) => row.byKind !== undefined)) return [];
  const out = ['', '## By kind', ''];
  out.push(
    '| system | clients | kind | requests | req/s | audio-s/s | latency p50 / p95 ms | TTFB p50 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const row of results.rows) {
    for (const [kind, part] of Object.entries(row.byKind ?? {})) {
      const latency = part.latencyMs === null ? '–' : `${ms(part.latencyMs.p50)} / ${ms(part.latencyMs.p95)}`;
      const cells = [
        row.system,
        String(row.concurrency),
        kind,
        String(part.requests),
        fixed(part.requestsPerSecond, 2),
        fixed(part.audioSecondsPerSecond, 2),
        latency,
        ms(part.ttfbMs?.p50),
      ];
      out.push(`| ${cells.join(' | ')} |`);
    }
  }
  return out;
}

/** The sentences of a tts input, from its id ("t05-5s"). */
const TTS_SENTENCES = /-(\d+)s$/;

/**
 * For speech: the median share of the whole request's time that its first byte took, over the inputs with
 * the most sentences (issue 12: at most 0.3 for 5 sentences, streamed).
 */
function firstByteSection(results: BenchResults): string[] {
  if (results.scenario !== 'tts' || results.stream === 'none') return [];
  const sentences = (input: string) => Number(TTS_SENTENCES.exec(input)?.[1] ?? 0);
  const most = Math.max(...results.rows.flatMap((row) => row.timings.map((t) => sentences(t.input))));
  const out = ['', `## Time to first byte as a share of the whole request, ${most}-sentence inputs`, ''];
  out.push('| system | clients | requests | median TTFB ÷ latency |', '| --- | --- | --- | --- |');
  for (const row of results.rows) {
    const shares = row.timings.filter((t) => t.ttfbMs !== null && sentences(t.input) === most).map((t) => t.ttfbMs! / t.latencyMs);
    const median = percentiles(shares)?.p50;
    out.push(`| ${row.system} | ${row.concurrency} | ${shares.length} | ${median === undefined ? '–' : fixed(median, 2)} |`);
  }
  return out;
}

/** The system the acceptance ratios of issue 12 are taken against: GenAI serial, OpenVINO Model Server's model. */
export const BASELINE_SYSTEM = 'GenAI WhisperPipeline, serial';

/** Whether every output of `row` equals the baseline's. */
function allEqual(row: ResultRow, baseline: ResultRow): boolean {
  const match = matching(row, baseline);
  return match.equal === match.compared;
}

/** The faster-whisper row of most audio-s/s at each number of clients, among the rows `admit` lets in. */
function bestFasterWhisperRows(results: BenchResults, admit: (row: ResultRow) => boolean): Map<number, ResultRow> {
  const best = new Map<number, ResultRow>();
  for (const row of results.rows.filter((r) => r.system.startsWith('faster-whisper') && admit(r))) {
    const current = best.get(row.concurrency);
    if (current === undefined || row.audioSecondsPerSecond > current.audioSecondsPerSecond) best.set(row.concurrency, row);
  }
  return best;
}

/**
 * Each system's audio-s/s and p50 latency over the baseline's at the same number of clients, and over the
 * best faster-whisper row's audio-s/s: the best of all, and the best whose outputs equal the baseline's. A
 * ratio whose outputs differ from the baseline's says so, since it does not count.
 */
function ratioSection(results: BenchResults): string[] {
  const baselines = new Map(results.rows.filter((row) => row.system === BASELINE_SYSTEM).map((row) => [row.concurrency, row]));
  if (baselines.size === 0) return [];
  const bestFasterWhisper = bestFasterWhisperRows(results, () => true);
  const bestEqualFasterWhisper = bestFasterWhisperRows(results, (row) => {
    const baseline = baselines.get(row.concurrency);
    return baseline !== undefined && allEqual(row, baseline);
  });
  const over = (row: ResultRow, reference: ResultRow | undefined) =>
    reference === undefined || reference === row
      ? '–'
      : `${fixed(row.audioSecondsPerSecond / reference.audioSecondsPerSecond, 2)} (${reference.system})`;
  const out = ['', `## Ratios against ${BASELINE_SYSTEM}`, ''];
  out.push(
    '| system | clients | audio-s/s ÷ baseline | p50 latency ÷ baseline | audio-s/s ÷ best faster-whisper | ' +
      '… ÷ best faster-whisper with outputs equal to the baseline | outputs equal to the baseline |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of results.rows) {
    const baseline = baselines.get(row.concurrency);
    if (baseline === undefined || row.system === BASELINE_SYSTEM) continue;
    const match = matching(row, baseline);
    const latency = row.latencyMs !== null && baseline.latencyMs !== null ? fixed(row.latencyMs.p50 / baseline.latencyMs.p50, 2) : '–';
    const cells = [
      row.system,
      String(row.concurrency),
      fixed(row.audioSecondsPerSecond / baseline.audioSecondsPerSecond, 2),
      latency,
      over(row, bestFasterWhisper.get(row.concurrency)),
      over(row, bestEqualFasterWhisper.get(row.concurrency)),
      `${match.equal}/${match.compared}${match.equal < match.compared ? ': does not count' : ''}`,
    ];
    out.push(`| ${cells.join(' | ')} |`);
  }
  return out;
}

/** Writes the Markdown table beside the JSON file it is made from. */
export function writeMarkdown(jsonFile: string): string {
  const results = JSON.parse(readFileSync(jsonFile, 'utf8')) as BenchResults;
  const mdFile = jsonFile.replace(/\.json$/, '.md');
  writeFileSync(mdFile, benchMarkdown(results));
  return mdFile;
}

const benchDir = path.join(packageRoot, 'benchmarks');

/** Draws the PNG in the benchmark's pinned Python environment (chart-venv.sh). */
export function drawChart(jsonFile: string, pngFile: string): void {
  execFileSync('bash', [path.join(benchDir, 'chart-venv.sh')], { stdio: 'inherit' });
  execFileSync(path.join(packageRoot, '.cache', 'bench-venv', 'bin', 'python'), [path.join(benchDir, 'chart.py'), jsonFile, pngFile], {
    stdio: 'inherit',
  });
}
