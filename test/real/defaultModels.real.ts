/**
 * The default model set for real: downloaded from the registry, converted, served, and transcribing
 * speech. Slow (minutes the first time) and needs the network: `npm run test:real`, not `npm test`.
 * The set is prepared once into .cache/real-models and reused by later runs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { prepareDefaultModels } from '../../src/models/prepare.js';
import { ProgressDisplay } from '../../src/models/progress.js';
import { startChildServer, type ChildServer } from '../helpers/childServer.js';
import { tempDir } from '../helpers/irFolder.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const models = path.join(packageRoot, '.cache', 'real-models');
const whisper = path.join(models, 'openai', 'whisper-base');

// The first comes back word for word. On the others whisper-base mishears espeak-ng's voice in places
// ("The quick brown fox jump is over ...", as CTranslate2 running the package's own model.bin does too).
const SENTENCES = [
  'I would like a cup of coffee with milk, please.',
  'The quick brown fox jumps over the lazy dog.',
  'Please call me back before five o clock tomorrow.',
  'The weather today is sunny with a light breeze.',
  'She sells sea shells by the sea shore.',
];

/** What two transcripts are compared on: lower-case words without punctuation. */
const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .trim()
    .split(/\s+/);

/** espeak-ng (Debian) speaking `text`, resampled to 16 kHz mono so that both implementations read the same samples. */
function speak(text: string, dir: string, index: number): string {
  const raw = path.join(dir, `spoken-${index}.wav`);
  const clip = path.join(dir, `clip-${index}.wav`);
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', raw, text]);
  execFileSync('ffmpeg', ['-v', 'error', '-i', raw, '-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', clip]);
  return clip;
}

async function transcribe(server: ChildServer, clip: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(clip)], { type: 'audio/wav' }), path.basename(clip));
  form.append('model', 'openai/whisper-base');
  form.append('language', 'en');
  const response = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { text: string }).text;
}

describe('real models: the default set', () => {
  let server: ChildServer;
  const dir = tempDir('real-models');
  const clips = SENTENCES.map((sentence, i) => speak(sentence, dir, i));

  before(async () => {
    const started = Date.now();
    await prepareDefaultModels({ target: models, packageRoot, display: new ProgressDisplay(process.stderr) });
    process.stderr.write(`prepared (or found) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    server = await startChildServer(['--models', models]);
  });
  after(async () => server?.stop());

  it('lists the real Whisper', async () => {
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.ok(
      listed.data.some((m) => m.id === 'openai/whisper-base'),
      JSON.stringify(listed.data),
    );
  });

  it('transcribes a sentence spoken by espeak-ng word for word', async () => {
    assert.deepEqual(words(await transcribe(server, clips[0]!)), words(SENTENCES[0]!));
  });

  it("gives GenAI WhisperPipeline's greedy transcripts on the same folder", async () => {
    const ours = [];
    for (const clip of clips) ours.push(await transcribe(server, clip));
    const genai = JSON.parse(
      execFileSync(path.join(packageRoot, '.cache', 'tools-venv', 'bin', 'python'), ['-m', 'models.genai_transcripts', whisper, ...clips], {
        cwd: path.join(packageRoot, 'tools'),
        encoding: 'utf8',
      }),
    ) as string[];
    assert.deepEqual(
      ours.map((text) => text.trim()),
      genai.map((text) => text.trim()),
    );
  });

  it('serves a prepared ./models again within 10 s, without preparing anything', async () => {
    const started = Date.now();
    const again = await startChildServer(['--models', models]);
    const seconds = (Date.now() - started) / 1000;
    await again.stop();
    process.stderr.write(`second start served in ${seconds.toFixed(1)} s\n`);
    assert.ok(seconds < 10, `${seconds} s`);
  });
});
