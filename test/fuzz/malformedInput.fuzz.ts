import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { fixtures } from '../helpers/audio.js';
import { type ChildServer, startChildServer } from '../helpers/childServer.js';
import { completionOf, FakeChatUpstream, sendJson } from '../helpers/fakeChatUpstream.js';
import { type AudioClip, buildCorpus, type FuzzCase, multipart, MULTIPART } from './corpus.js';

/** Fixed, so that every run sends the same corpus; FUZZ_SEED explores another, FUZZ_ONLY=3,17 replays cases. */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed10);
const ONLY = process.env.FUZZ_ONLY?.split(',').map(Number);
/** A case with no complete answer by then counts as a hang. */
const CASE_DEADLINE_MS = 30_000;
const BATCH = 50;
/** Cases sent at once: a crash names every case in flight, and FUZZ_ONLY tells them apart. */
const IN_FLIGHT = 3;
/**
 * The run's bound. Measured on a 2-core machine under `stress-ng --cpu 2` and other test runs (load 9-10):
 * 131 s for the cases, 3 minutes for `npm run test:fuzz` with its build and the models' loading.
 */
const RUN_TIMEOUT_MS = 300_000;

/** The server's limits, small so that every case is cheap. */
const SERVER_ARGS = ['--max-audio-seconds', '2', '--max-input-chars', '24', '--max-upload-mb', '2', '--request-timeout', '60'];

type Outcome =
  { kind: 'response'; status: number; contentType: string; body: Buffer } | { kind: 'hang' } | { kind: 'reset'; message: string } | { kind: 'crash' };

/** Sends the case over a fresh connection: its chunks as separate writes, each after the previous one left. */
function send(url: string, fuzzCase: Pick<FuzzCase, 'path' | 'contentType' | 'chunks' | 'chunked'>): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = {};
    if (fuzzCase.contentType !== undefined) headers['Content-Type'] = fuzzCase.contentType;
    if (!fuzzCase.chunked) headers['Content-Length'] = fuzzCase.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const request = http.request(`${url}${fuzzCase.path}`, { method: 'POST', agent: false, headers });
    const timer = setTimeout(() => {
      resolve({ kind: 'hang' });
      request.destroy();
    }, CASE_DEADLINE_MS);
    const settle = (outcome: Outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    request.on('error', (error) => settle({ kind: 'reset', message: error.message }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => settle({ kind: 'reset', message: error.message }));
      response.on('end', () =>
        settle({
          kind: 'response',
          status: response.statusCode ?? 0,
          contentType: response.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        }),
      );
    });
    void (async () => {
      for (const chunk of fuzzCase.chunks) {
        if (request.destroyed) return;
        if (chunk.length > 0) request.write(chunk);
        if (fuzzCase.chunked) await new Promise((next) => setImmediate(next));
      }
      request.end();
    })();
  });
}

/** What is wrong with an OpenAI error body `{"error":{"message","type","param","code"}}`, if anything. */
function errorShapeProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'not a JSON object';
  if (Object.keys(body).join() !== 'error') return `keys ${Object.keys(body).join()}`;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return 'error is not an object';
  const fields = error as Record<string, unknown>;
  if (Object.keys(fields).sort().join() !== 'code,message,param,type') return `error keys ${Object.keys(fields).sort().join()}`;
  if (typeof fields.message !== 'string' || fields.message === '') return 'message is not a non-empty string';
  if (typeof fields.type !== 'string') return 'type is not a string';
  if (fields.param !== null && typeof fields.param !== 'string') return 'param is neither string nor null';
  if (fields.code !== null && typeof fields.code !== 'string') return 'code is neither string nor null';
  return undefined;
}

/** Why the outcome breaks the rules (no crash, no hang, no 5xx, every error OpenAI-shaped), if it does. */
function problemOf(outcome: Outcome, mayReset: boolean): string | undefined {
  switch (outcome.kind) {
    case 'crash':
      return 'the server process exited';
    case 'hang':
      return `no complete answer within ${CASE_DEADLINE_MS} ms`;
    case 'reset':
      return mayReset ? undefined : `connection failed: ${outcome.message}`;
    case 'response':
      break;
  }
  const text = outcome.body.toString('utf8');
  if (outcome.status >= 500) return `status ${outcome.status}: ${text.slice(0, 300)}`;
  if (outcome.status >= 400) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `status ${outcome.status} with a body that is not JSON: ${text.slice(0, 200)}`;
    }
    const problem = errorShapeProblem(body);
    return problem === undefined ? undefined : `status ${outcome.status}, error body ${problem}: ${text.slice(0, 200)}`;
  }
  if (outcome.contentType.startsWith('text/event-stream')) {
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const event = JSON.parse(line.slice(6)) as { type?: unknown; error?: unknown };
      if (event.error === undefined) continue;
      const problem = errorShapeProblem({ error: event.error });
      if (problem !== undefined) return `SSE error event ${problem}: ${line.slice(0, 200)}`;
      if ((event.error as { type: unknown }).type === 'server_error') return `SSE server error: ${line.slice(0, 300)}`;
    }
  }
  return undefined;
}

/** The clips every upload format is fuzzed from: made from en_1s.wav by ffmpeg into `dir`. */
function makeClips(dir: string): AudioClip[] {
  const source = path.join(fixtures, 'audio', 'en_1s.wav');
  const formats: [string, string, string, string[]][] = [
    ['wav s16', 'a.wav', 'audio/wav', ['-c:a', 'pcm_s16le']],
    ['wav u8', 'b.wav', 'audio/wav', ['-c:a', 'pcm_u8']],
    ['wav s24', 'c.wav', 'audio/x-wav', ['-c:a', 'pcm_s24le']],
    ['wav s32', 'd.wav', 'audio/wav', ['-c:a', 'pcm_s32le']],
    ['wav f32', 'e.wav', 'audio/wav', ['-c:a', 'pcm_f32le']],
    ['wav f64', 'f.wav', 'audio/wav', ['-c:a', 'pcm_f64le']],
    ['wav a-law', 'g.wav', 'audio/wav', ['-c:a', 'pcm_alaw']],
    ['wav mu-law', 'h.wav', 'audio/wav', ['-c:a', 'pcm_mulaw']],
    ['wav 44.1 kHz stereo', 'i.wav', 'audio/wav', ['-c:a', 'pcm_s16le', '-ar', '44100', '-ac', '2']],
    ['flac', 'a.flac', 'audio/flac', ['-c:a', 'flac']],
    ['mp3', 'a.mp3', 'audio/mpeg', ['-c:a', 'libmp3lame', '-b:a', '32k']],
    ['m4a (moov first)', 'a.m4a', 'audio/m4a', ['-c:a', 'aac', '-b:a', '32k', '-movflags', '+faststart']],
    ['mp4 (moov last)', 'a.mp4', 'video/mp4', ['-c:a', 'aac', '-b:a', '32k']],
    ['ogg vorbis', 'a.ogg', 'audio/ogg', ['-c:a', 'libvorbis']],
    ['ogg opus', 'a.opus', 'audio/opus', ['-c:a', 'libopus', '-b:a', '24k']],
    ['webm opus', 'a.webm', 'audio/webm', ['-c:a', 'libopus', '-b:a', '24k']],
  ];
  const clips = formats.map(([name, filename, contentType, codec]) => {
    const file = path.join(dir, filename);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-map_metadata', '-1', ...codec, file]);
    return { name, filename, contentType, bytes: readFileSync(file) };
  });
  const pcmFile = path.join(dir, 'a.pcm');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', source, '-f', 's16le', '-c:a', 'pcm_s16le', '-ar', '16000', '-ac', '1', pcmFile]);
  return [...clips, { name: 'raw pcm 16 kHz', filename: 'a.pcm', contentType: 'audio/pcm', bytes: readFileSync(pcmFile), pcmSampleRate: 16000 }];
}

/** The committed 5 s clips, beyond the server's 2 s limit here. */
function bigClips(): AudioClip[] {
  const types: Record<string, string> = {
    wav: 'audio/wav',
    flac: 'audio/flac',
    mp3: 'audio/mpeg',
    m4a: 'audio/mp4',
    ogg: 'audio/ogg',
    webm: 'audio/webm',
  };
  return [
    'en_5s.wav',
    'en_5s_f32.wav',
    'en_5s_8k.wav',
    'en_5s_44k_stereo.wav',
    'en_5s.flac',
    'en_5s.mp3',
    'en_5s.m4a',
    'en_5s.ogg',
    'en_5s.webm',
  ].map((name) => ({
    name,
    filename: name,
    contentType: types[path.extname(name).slice(1)]!,
    bytes: readFileSync(path.join(fixtures, 'audio', name)),
  }));
}

describe('fuzz: malformed input never crashes, hangs or fails the server', () => {
  let dir: string;
  let upstream: FakeChatUpstream;
  let server: ChildServer;
  let clips: AudioClip[];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ovspeech-fuzz-'));
    clips = makeClips(dir);
    // A chat upstream that answers at once: chat requests are checked in full, and a 5xx is the server's fault.
    upstream = await FakeChatUpstream.start();
    const answer = upstream.streaming({ pieces: ['Hi.'], delayMs: 0 });
    upstream.handler = (response, request) =>
      request.body.stream === true ? answer(response, request) : sendJson(response, 200, completionOf('Hi.'));
    server = await startChildServer([...SERVER_ARGS, '--chat-completion-base-url', upstream.url]);
  });
  after(async () => {
    await server?.stop();
    await upstream?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it(`sends the corpus of seed ${SEED}`, { timeout: RUN_TIMEOUT_MS }, async () => {
    const started = Date.now();
    const corpus = buildCorpus(SEED, clips, bigClips());
    const cases = ONLY === undefined ? corpus : corpus.filter((c) => ONLY.includes(c.id));
    assert.ok(ONLY !== undefined || cases.length >= 1000, `the corpus has only ${cases.length} cases`);

    const transcription = multipart([
      { name: 'model', data: 'whisper-1' },
      { name: 'file', filename: 'en_1s.wav', contentType: 'audio/wav', data: readFileSync(path.join(fixtures, 'audio', 'en_1s.wav')) },
    ]);
    const transcribe = () => send(server.url, { path: '/v1/audio/transcriptions', contentType: MULTIPART, chunks: [transcription], chunked: false });
    const speech = Buffer.from(JSON.stringify({ model: 'tts-1', input: 'Hi', response_format: 'wav' }));
    const speak = () => send(server.url, { path: '/v1/audio/speech', contentType: 'application/json', chunks: [speech], chunked: false });
    const first = await transcribe();
    assert.ok(first.kind === 'response' && first.status === 200, `the good transcription failed before any case: ${JSON.stringify(first)}`);
    const expectedText = (JSON.parse(first.body.toString('utf8')) as { text: string }).text;

    /** A real transcription of the same clip as before the cases, and speech that is a WAV file. */
    const goodRequestsProblem = async (): Promise<string | undefined> => {
      const heard = await transcribe();
      if (heard.kind !== 'response' || heard.status !== 200)
        return `transcription: ${JSON.stringify({ ...heard, body: heard.kind === 'response' ? heard.body.toString('utf8').slice(0, 300) : undefined })}`;
      const text = (JSON.parse(heard.body.toString('utf8')) as { text: string }).text;
      if (text !== expectedText)
        return `transcription changed: ${JSON.stringify(text.slice(0, 100))} instead of ${JSON.stringify(expectedText.slice(0, 100))}`;
      const spoken = await speak();
      if (spoken.kind !== 'response' || spoken.status !== 200)
        return `speech: ${JSON.stringify({ ...spoken, body: spoken.kind === 'response' ? spoken.body.toString('utf8').slice(0, 300) : undefined })}`;
      if (spoken.body.subarray(0, 4).toString('latin1') !== 'RIFF' || spoken.body.length < 1000)
        return `speech is not a WAV file of audio (${spoken.body.length} bytes)`;
      return undefined;
    };

    /** Per route: cases, milliseconds and answers by status. */
    const routes = new Map<string, { cases: number; ms: number; statuses: Map<string, number> }>();
    const durations: { fuzzCase: FuzzCase; ms: number }[] = [];
    let goodRequestsMs = 0;
    const failures: string[] = [];
    const report = (fuzzCase: FuzzCase | undefined, problem: string) =>
      failures.push(
        fuzzCase === undefined
          ? problem
          : `case ${fuzzCase.id} (seed ${SEED}, replay with FUZZ_ONLY=${fuzzCase.id}) POST ${fuzzCase.path} [${String(fuzzCase.contentType)}]: ${fuzzCase.description}: ${problem}`,
      );
    const crashed = server.exited.then((): Outcome => ({ kind: 'crash' }));
    const inFlight = new Set<FuzzCase>();
    let suspects: FuzzCase[] | undefined;

    const run = async (fuzzCase: FuzzCase) => {
      inFlight.add(fuzzCase);
      const sent = Date.now();
      let outcome = await Promise.race([send(server.url, fuzzCase), crashed]);
      // A dying server resets its connections before its exit is seen: wait a moment to tell which it was.
      if (outcome.kind === 'reset') outcome = await Promise.race([crashed, new Promise<Outcome>((resolve) => setTimeout(resolve, 2000, outcome))]);
      const ms = Date.now() - sent;
      durations.push({ fuzzCase, ms });
      const label = outcome.kind === 'response' ? String(outcome.status) : outcome.kind;
      const route = fuzzCase.path.replace(/^\/v\d/, '');
      const tally = routes.get(route) ?? { cases: 0, ms: 0, statuses: new Map<string, number>() };
      routes.set(route, tally);
      tally.cases++;
      tally.ms += ms;
      tally.statuses.set(label, (tally.statuses.get(label) ?? 0) + 1);
      if (outcome.kind === 'crash') suspects ??= [...inFlight];
      // Only a body far beyond the upload limit may be cut off: the server closes that connection.
      const problem = outcome.kind === 'crash' ? undefined : problemOf(outcome, fuzzCase.description.includes('far beyond the upload limit'));
      if (problem !== undefined) report(fuzzCase, problem);
      inFlight.delete(fuzzCase);
    };

    // Batches of cases, IN_FLIGHT at a time, each batch followed by the good requests alone.
    for (let start = 0; start < cases.length && server.exit === undefined; start += BATCH) {
      const batch = cases.slice(start, start + BATCH);
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < batch.length && server.exit === undefined) await run(batch[next++]!);
        }),
      );
      if (server.exit !== undefined) {
        const ids = (suspects ?? []).map((c) => c.id).join(',');
        report(
          undefined,
          `the server exited (${JSON.stringify(server.exit)}) with these cases in flight (seed ${SEED}, replay with FUZZ_ONLY=${ids}):\n${(
            suspects ?? []
          )
            .map((c) => `  case ${c.id} POST ${c.path} [${String(c.contentType)}]: ${c.description}`)
            .join('\n')}\nits last output:\n${server.output()}`,
        );
        break;
      }
      const checked = Date.now();
      const problem = await goodRequestsProblem();
      goodRequestsMs += Date.now() - checked;
      if (problem !== undefined) report(undefined, `good request after case ${batch.at(-1)!.id} failed: ${problem}`);
    }

    const seconds = (Date.now() - started) / 1000;
    console.log(`fuzz: ${cases.length} cases of seed ${SEED} in ${seconds.toFixed(1)} s, ${failures.length} failures`);
    const labels = [...new Set([...routes.values()].flatMap((tally) => [...tally.statuses.keys()]))].sort();
    const row = (name: string, tally: { cases: number; ms: number; statuses: Map<string, number> }) => ({
      route: name,
      cases: tally.cases,
      seconds: Number((tally.ms / 1000).toFixed(1)),
      ...Object.fromEntries(labels.map((label) => [label, tally.statuses.get(label) ?? 0])),
    });
    const total = { cases: 0, ms: 0, statuses: new Map<string, number>() };
    for (const tally of routes.values()) {
      total.cases += tally.cases;
      total.ms += tally.ms;
      for (const [label, count] of tally.statuses) total.statuses.set(label, (total.statuses.get(label) ?? 0) + count);
    }
    console.table([...[...routes].sort(([a], [b]) => a.localeCompare(b)).map(([name, tally]) => row(name, tally)), row('all', total)]);
    const slowest = durations.sort((a, b) => b.ms - a.ms).slice(0, 3);
    console.log(
      `good requests took ${(goodRequestsMs / 1000).toFixed(1)} s; slowest cases: ${slowest.map(({ fuzzCase, ms }) => `#${fuzzCase.id} ${ms} ms (${fuzzCase.description.slice(0, 60)})`).join('; ')}`,
    );
    assert.deepEqual(failures, []);
  });
});
