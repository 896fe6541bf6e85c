// The accuracy suite's fast subset (npm run test:accuracy runs all of it): six sentences, one per
// espeak-ng voice and each speed, clean and noisy, through ovspeech, faster-whisper and GenAI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { packageRoot } from '../accuracy/corpus.js';
import { pythonEnvReady } from '../accuracy/pythonEnv.js';
import { type AccuracyResults } from '../accuracy/report.js';
import { ran } from '../accuracy/suite.js';

const SUBSET = 's001,s008,s015,s022,s029,s036';
const whisperDir = path.join(packageRoot, 'models', 'openai', 'whisper-base');
const ct2Dir = path.join(packageRoot, '.cache', 'accuracy', 'whisper-base-ct2');

function skipReason(): string | undefined {
  if (!existsSync(path.join(whisperDir, 'config.json'))) return `no real whisper-base at ${whisperDir} (ovspeech prepare makes it)`;
  if (!existsSync(path.join(ct2Dir, 'model.bin'))) return `no CTranslate2 whisper-base at ${ct2Dir} (npm run test:accuracy fetches it)`;
  if (!pythonEnvReady()) return 'the accuracy Python environment .cache/accuracy-venv is not installed (npm run test:accuracy installs it)';
  return undefined;
}

const reason = skipReason();

test('accuracy subset: ovspeech equals GenAI and keeps up with faster-whisper', { skip: reason ?? false, timeout: 15 * 60_000 }, async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'ovspeech-accuracy-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/accuracy/run.ts', '--sentences', SUBSET, '--ct2', ct2Dir, '--out', out], {
    cwd: packageRoot,
    maxBuffer: 1 << 24,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    // A failed check exits 1 with the results written; anything else has no results to read.
    if (!existsSync(path.join(out, 'accuracy.json'))) throw new Error(`the accuracy run failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
  });
  const results = JSON.parse(readFileSync(path.join(out, 'accuracy.json'), 'utf8')) as AccuracyResults;
  const { ovspeech, 'faster-whisper': fasterWhisper } = results.wer;
  assert.ok(ovspeech && ran(ovspeech), `ovspeech did not run: ${JSON.stringify(ovspeech)}`);
  assert.ok(fasterWhisper && ran(fasterWhisper), `faster-whisper did not run: ${JSON.stringify(fasterWhisper)}`);
  assert.ok(ran(results.genaiParity), `GenAI did not run: ${JSON.stringify(results.genaiParity)}`);
  assert.deepEqual(results.genaiParity.differences, [], 'GenAI WhisperPipeline gave other transcripts than ovspeech');
  assert.equal(results.genaiParity.identical, 12);
  // Bounds for 6 sentences (about 60 words a condition): one word is 1.7 points.
  assert.ok(ovspeech.clean.wer <= 0.1, `ovspeech clean WER ${ovspeech.clean.wer}`);
  for (const condition of ['clean', 'noisy'] as const) {
    const gap = ovspeech[condition].wer - fasterWhisper[condition].wer;
    assert.ok(gap <= 0.05, `ovspeech ${condition} WER ${ovspeech[condition].wer} against faster-whisper's ${fasterWhisper[condition].wer}`);
  }
  if (ran(results.roundTrip)) assert.ok(results.roundTrip.wer <= 0.1, `round-trip WER ${results.roundTrip.wer}`);
  else t.diagnostic(`round trip not available: ${results.roundTrip.notRun}`);
});
