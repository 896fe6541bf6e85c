// npm run bench -- <scenario> [options]: drives ovspeech over HTTP with 1, 2, 4 … concurrent clients and writes
// benchmarks/results/bench-SCENARIO.{json,md,png}: throughput, latency, time to first byte, CPU, memory, outputs.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { INFERENCE_PRECISIONS } from '../src/config/config.js';
import { gitCommit, packageRoot } from '../test/accuracy/corpus.js';
import { ensurePythonEnv, runReference } from '../test/accuracy/pythonEnv.js';
import { type BenchResults, drawChart, matching, writeMarkdown } from './report.js';
import { makeWorkload, SCENARIOS, type ScenarioName, type Workload, type WorkloadOptions } from './scenarios.js';
import { measureRealtime, realtimeMarkdown, type RealtimeRow } from './realtime.js';
import { measure, runClients, type ResultRow } from './sweep.js';
import { connectOvspeech, startOvspeech, startReference, type ReferenceRunner, type SystemUnderTest } from './systems.js';

/** Realtime transcription sessions over WebSocket beside HTTP load (realtime.ts): a table of its own. */
const REALTIME = 'realtime';

const USAGE = `npm run bench -- <${SCENARIOS.join('|')}|${REALTIME}> [options]
  --concurrency LIST  numbers of concurrent clients, in turn (default 1,2,4,8,16,32); for realtime, of
                      concurrent sessions (default 20)
  --seconds N         realtime: seconds of audio each session streams at real-time pace (default 60)
  --http-clients N    realtime: HTTP clients sending stt-short transcriptions meanwhile (default 2)
  --requests N        requests per concurrency (default 32)
  --warmup N          requests sent before each trial, not measured, from as many clients as the trial
                      has, up to N (default 4)
  --stream MODE       none, sse or audio: transcriptions are streamed (SSE) unless none; speech takes
                      it as stream_format (default: sse for transcriptions, audio for tts; mixed streams
                      each kind so, or neither with none)
  --systems LIST      the systems measured in turn, each trial (one concurrency) in a fresh server process
                      (default ovspeech):
                      ovspeech[:workers=N], and for speech to text the reference runners
                      genai[:workers=N] (GenAI WhisperPipeline on the same OpenVINO folder; 1 = behind a lock)
                      and faster-whisper[:workers=N][:compute=int8][:padded][:batched] (on --ct2; CTranslate2's
                      float32 by default; :padded pads each clip to 30 s, so that its log-mel features are
                      GenAI's; :batched is its BatchedInferencePipeline, 8 windows of a file at once);
                      for speech piper[:workers=N] (onnxruntime on the same voice),
                      e.g. ovspeech,genai,genai:workers=2,faster-whisper:workers=2:compute=int8
  --models DIR        the models folder the started ovspeech serves (default .cache/real-models)
  --queue-length N    ovspeech's --queue-length (default: the server's default)
  --inference-precision P
                      f32, f16 or bf16: ovspeech's --inference-precision and GenAI's INFERENCE_PRECISION_HINT
                      (default: the device's own, bf16 on a CPU with AVX-512 BF16)
  --url URL           measure the one ovspeech running at URL instead of starting any
  --pid PID           with --url: the server's process id, for its CPU and memory
  --tts-sample-rate N the rate speech is asked for (default 22050, the Piper voice's own)
  --stt-model ID      default openai/whisper-base
  --ct2 DIR           faster-whisper's CTranslate2 folder (default: the accuracy suite's, fetched when missing)
  --tts-model ID      default rhasspy/piper-en_US-joe-medium
  --out DIR           where the results go (default benchmarks/results)`;

function positiveInteger(value: string, option: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`--${option} takes a positive whole number; got "${value}"`);
  return Number(value);
}

function parseOptions() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      concurrency: { type: 'string' },
      seconds: { type: 'string', default: '60' },
      'http-clients': { type: 'string', default: '2' },
      requests: { type: 'string', default: '32' },
      warmup: { type: 'string', default: '4' },
      stream: { type: 'string' },
      models: { type: 'string', default: path.join(packageRoot, '.cache', 'real-models') },
      systems: { type: 'string', default: 'ovspeech' },
      'queue-length': { type: 'string' },
      'inference-precision': { type: 'string' },
      url: { type: 'string' },
      pid: { type: 'string' },
      'stt-model': { type: 'string', default: 'openai/whisper-base' },
      'tts-model': { type: 'string', default: 'rhasspy/piper-en_US-joe-medium' },
      'tts-sample-rate': { type: 'string', default: '22050' },
      ct2: { type: 'string', default: path.join(packageRoot, '.cache', 'accuracy', 'whisper-base-ct2') },
      out: { type: 'string', default: path.join(packageRoot, 'benchmarks', 'results') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const realtime = positionals[0] === REALTIME;
  // The realtime sessions' HTTP load is stt-short's requests.
  const scenario = (realtime ? 'stt-short' : positionals[0]) as ScenarioName | undefined;
  if (positionals.length !== 1 || scenario === undefined || !SCENARIOS.includes(scenario)) {
    throw new Error(`one scenario, of ${[...SCENARIOS, REALTIME].join(', ')}, is needed; got ${positionals.join(' ') || 'none'}\n\n${USAGE}`);
  }
  const stream = values.stream ?? (scenario === 'tts' ? 'audio' : 'sse');
  if (stream !== 'none' && stream !== 'sse' && stream !== 'audio') throw new Error(`--stream takes none, sse or audio; got "${stream}"`);
  if (scenario !== 'tts' && stream === 'audio') throw new Error('--stream audio is for speech; transcriptions stream as sse');
  if (scenario === 'mixed' && stream === 'sse' && values.stream !== undefined) {
    throw new Error('--stream for mixed is none, or left out: transcriptions stream as sse and speech as audio');
  }
  const concurrencies = (values.concurrency ?? (realtime ? '20' : '1,2,4,8,16,32')).split(',').map((c) => positiveInteger(c, 'concurrency'));
  const optional = (value: string | undefined, option: string) => (value === undefined ? undefined : positiveInteger(value, option));
  const inferencePrecision = values['inference-precision'];
  if (inferencePrecision !== undefined && !(INFERENCE_PRECISIONS as readonly string[]).includes(inferencePrecision)) {
    throw new Error(`--inference-precision takes ${INFERENCE_PRECISIONS.join(', ')}; got "${inferencePrecision}"`);
  }
  if (realtime && !values.systems.split(',').every((spec) => spec.split(':')[0] === 'ovspeech')) {
    throw new Error('realtime measures ovspeech alone: no reference runner has the Realtime API');
  }
  return {
    scenario,
    realtime: realtime
      ? {
          seconds: positiveInteger(values.seconds, 'seconds'),
          httpClients: values['http-clients'] === '0' ? 0 : positiveInteger(values['http-clients'], 'http-clients'),
        }
      : undefined,
    workload: {
      sttModel: values['stt-model'],
      ttsModel: values['tts-model'],
      stream,
      ttsSampleRate: positiveInteger(values['tts-sample-rate'], 'tts-sample-rate'),
    } satisfies WorkloadOptions,
    concurrencies,
    requests: positiveInteger(values.requests, 'requests'),
    warmup: values.warmup === '0' ? 0 : positiveInteger(values.warmup, 'warmup'),
    url: values.url,
    pid: optional(values.pid, 'pid'),
    systems: values.systems.split(',').map((spec) =>
      parseSystem(spec, scenario, {
        modelsDir: path.resolve(values.models),
        queueLength: optional(values['queue-length'], 'queue-length'),
        inferencePrecision,
        sttModel: values['stt-model'],
        ttsModel: values['tts-model'],
        ct2Dir: path.resolve(values.ct2),
      }),
    ),
    outDir: path.resolve(values.out),
  };
}

/** The parts a --systems entry may have after its kind, each ":key=value" (or ":key" for a switch). */
const SYSTEM_PARTS = {
  ovspeech: ['workers'],
  genai: ['workers'],
  'faster-whisper': ['workers', 'compute', 'padded', 'batched'],
  piper: ['workers'],
} as const;

/** A --systems entry, as the function that starts it: ovspeech, genai, faster-whisper or piper, with ":workers=N", and for faster-whisper ":compute=int8" and ":padded". */
function parseSystem(
  spec: string,
  scenario: ScenarioName,
  paths: {
    modelsDir: string;
    queueLength: number | undefined;
    inferencePrecision: string | undefined;
    sttModel: string;
    ttsModel: string;
    ct2Dir: string;
  },
): () => Promise<SystemUnderTest> {
  const [kind, ...parts] = spec.split(':') as [string, ...string[]];
  if (!(kind in SYSTEM_PARTS)) throw new Error(`--systems takes ovspeech, genai, faster-whisper or piper; got "${spec}"`);
  const allowed: readonly string[] = SYSTEM_PARTS[kind as keyof typeof SYSTEM_PARTS];
  const part = new Map<string, string>();
  for (const text of parts) {
    const [key, value = ''] = text.split('=', 2) as [string, string?];
    if (!allowed.includes(key)) throw new Error(`--systems: ${kind} takes ${allowed.map((k) => `:${k}`).join(', ')}; got ":${text}" in "${spec}"`);
    part.set(key, value);
  }
  const workers = part.has('workers') ? positiveInteger(part.get('workers')!, 'systems workers') : undefined;
  const { inferencePrecision } = paths;
  if (kind === 'ovspeech') return () => startOvspeech({ modelsDir: paths.modelsDir, workers, queueLength: paths.queueLength, inferencePrecision });
  const runner = kind as ReferenceRunner;
  if (scenario === 'mixed' || (runner === 'piper') !== (scenario === 'tts')) throw new Error(`${runner} does not serve the ${scenario} scenario`);
  if (runner === 'piper') {
    const voiceDir = path.join(paths.modelsDir, paths.ttsModel);
    const onnx = readdirSync(voiceDir).find((file) => file.endsWith('.onnx'));
    if (onnx === undefined) throw new Error(`${voiceDir} has no Piper .onnx voice`);
    return () => startReference({ runner, modelDir: path.join(voiceDir, onnx), workers: workers ?? 1 });
  }
  const compute = part.get('compute') ?? 'float32';
  if (compute !== 'float32' && compute !== 'int8') throw new Error(`--systems: :compute takes float32 or int8; got "${compute}" in "${spec}"`);
  const fasterWhisper = { computeType: compute, padded: part.has('padded'), batched: part.has('batched') } as const;
  return async () => {
    ensurePythonEnv();
    if (runner === 'faster-whisper' && !existsSync(path.join(paths.ct2Dir, 'model.bin'))) await runReference(['fetch-ct2', paths.ct2Dir]);
    const modelDir = runner === 'genai' ? path.join(paths.modelsDir, paths.sttModel) : paths.ct2Dir;
    return startReference({ runner, modelDir, workers: workers ?? 1, ...(runner === 'faster-whisper' ? { fasterWhisper } : { inferencePrecision }) });
  };
}

function describe(row: ResultRow): string {
  const latency = row.latencyMs === null ? '–' : `p50 ${row.latencyMs.p50.toFixed(0)} p95 ${row.latencyMs.p95.toFixed(0)} ms`;
  const ttfb = row.ttfbMs === null ? '' : `, TTFB p50 ${row.ttfbMs.p50.toFixed(0)} ms`;
  const cpu = row.server === null ? '' : `, ${row.server.cpuCores.toFixed(2)} cores, ${row.server.peakRssMiB.toFixed(0)} MiB`;
  return `${row.system}, ${row.concurrency} clients: ${row.requests - row.failed}/${row.requests} ok, ${row.requestsPerSecond.toFixed(2)} req/s, ${row.audioSecondsPerSecond.toFixed(2)} audio-s/s, ${latency}${ttfb}${cpu}`;
}

/** One trial: `start` a system (a fresh server process, unless --url), warm it up, measure it at one concurrency, stop it. */
async function trial(
  start: () => Promise<SystemUnderTest>,
  workload: Workload,
  concurrency: number,
  requests: number,
  warmup: number,
): Promise<{ row: ResultRow; system: BenchResults['systems'][number] }> {
  const system = await start();
  try {
    // Warmed up at the trial's concurrency (up to one client per warm-up request), so that what runs only under
    // load (ovspeech's narrow lanes) has run before the measurement too.
    const clients = Math.max(1, Math.min(concurrency, warmup));
    console.log(`bench: ${system.name} at ${system.url}; warming up with ${warmup} requests from ${clients} client(s)`);
    const failure = (await runClients(workload, system.url, warmup, clients)).find((r) => 'error' in r);
    if (failure !== undefined && 'error' in failure) throw new Error(`a warm-up request to ${system.name} failed: ${failure.error}`);
    const row = await measure(system, workload, concurrency, requests);
    console.log(`bench: ${describe(row)}`);
    return { row, system: { name: system.name, settings: system.settings } };
  } finally {
    await system.close();
  }
}

/** Says which rows' outputs differ from the first row's: their ratios do not count. */
function warnOfOtherOutputs(rows: readonly ResultRow[]): void {
  const reference = rows[0];
  if (reference === undefined) return;
  for (const row of rows) {
    const { equal, compared } = matching(row, reference);
    if (equal < compared || row.unstableInputs.length > 0) {
      console.warn(
        `bench: WARNING ${row.system}, ${row.concurrency} clients: ${compared - equal} of ${compared} outputs differ from ` +
          `${reference.system}, ${reference.concurrency} clients'; ${row.unstableInputs.length} inputs changed within the step`,
      );
    }
  }
}

type Options = ReturnType<typeof parseOptions>;

function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg(),
  };
}

/** The realtime scenario: each number of sessions in a fresh server, beside the HTTP load; bench-realtime.{json,md}. */
async function mainRealtime(
  options: Options,
  settings: { seconds: number; httpClients: number },
  http: Workload,
  starts: ReadonlyArray<() => Promise<SystemUnderTest>>,
): Promise<void> {
  const host = machine();
  const rows: RealtimeRow[] = [];
  for (const start of starts) {
    for (const sessions of options.concurrencies) {
      const system = await start();
      try {
        // Warmed up as the other scenarios are: what runs only under load has run before the measurement.
        await runClients(http, system.url, options.warmup, Math.max(1, Math.min(options.warmup, 2)));
        const row = await measureRealtime(system, sessions, http, { sttModel: options.workload.sttModel, ...settings });
        console.log(`bench: ${JSON.stringify({ ...row, server: undefined })}`);
        rows.push(row);
      } finally {
        await system.close();
      }
    }
  }
  const results = { generated: new Date().toISOString(), commit: gitCommit(), machine: host, scenario: REALTIME, http: http.description, rows };
  mkdirSync(options.outDir, { recursive: true });
  const jsonFile = path.join(options.outDir, `bench-${REALTIME}.json`);
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const mdFile = jsonFile.replace(/\.json$/, '.md');
  const header = [
    `# Benchmark: ${REALTIME}`,
    '',
    `${results.generated}, commit ${results.commit}; ${host.cpu}, ${host.cores} cores, load average ${host.loadAverage.map((x) => x.toFixed(2)).join(' ')} at the start; Node ${host.node}.`,
    '',
    "Each session streams pcm16 at 24 kHz, 100 ms a message at real-time pace: stt-short clips between 1.5 s silences, turns found by server_vad (OpenAI defaults). Latencies are from the speech_stopped event as received. \"equal to HTTP\": the turn's transcript equals the HTTP endpoint's on the turn's own samples, sent after the load.",
    '',
  ];
  writeFileSync(mdFile, [...header, ...realtimeMarkdown(rows), ''].join('\n'));
  console.log(`bench: results in ${[jsonFile, mdFile].map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

async function main(): Promise<void> {
  const options = parseOptions();
  const workload = await makeWorkload(options.scenario, options.workload);
  const starts = options.url === undefined ? options.systems : [() => connectOvspeech(options.url!, options.pid)];
  if (options.realtime !== undefined) return mainRealtime(options, options.realtime, workload, starts);
  const loadAverage = os.loadavg();
  const systems: BenchResults['systems'] = [];
  const rows: ResultRow[] = [];
  for (const start of starts) {
    for (const concurrency of options.concurrencies) {
      const { row, system } = await trial(start, workload, concurrency, options.requests, options.warmup);
      rows.push(row);
      if (!systems.some((known) => known.name === system.name)) systems.push(system);
    }
  }
  warnOfOtherOutputs(rows);
  const results: BenchResults = {
    generated: new Date().toISOString(),
    commit: gitCommit(),
    machine: { ...machine(), loadAverage },
    scenario: options.scenario,
    workload: workload.description,
    audioCounted: workload.audioCounted,
    stream: workload.stream,
    requestsPerStep: options.requests,
    warmupRequests: options.warmup,
    concurrencies: options.concurrencies,
    systems,
    rows,
  };
  mkdirSync(options.outDir, { recursive: true });
  const jsonFile = path.join(options.outDir, `bench-${options.scenario}.json`);
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const mdFile = writeMarkdown(jsonFile);
  const pngFile = jsonFile.replace(/\.json$/, '.png');
  drawChart(jsonFile, pngFile);
  console.log(`bench: results in ${[jsonFile, mdFile, pngFile].map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

try {
  await main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
