/**
 * `ovspeech import` for real: small checkpoints of every kind it takes, generated here in the tools
 * environment (tools/fixtures/import_sources.py; the CTranslate2 folders by CTranslate2's own converter),
 * imported by the real CLI, served by a real server, and compared with GenAI's WhisperPipeline. Needs the
 * tools environment with the accuracy suite's pins (ctranslate2), which it makes or updates first.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { WhisperEngine } from '../../src/engine/WhisperEngine.js';
import { ensurePythonEnv, venvPython } from '../accuracy/pythonEnv.js';
import { loadClip } from '../helpers/audio.js';
import { startChildServer, type ChildServer } from '../helpers/childServer.js';
import { errorLine, ovspeechImport, type CliRun } from '../helpers/importCli.js';
import { tempDir } from '../helpers/irFolder.js';
import { probeAudio } from '../helpers/probe.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tools = path.join(packageRoot, 'tools');
const CLIPS = ['en_5s.wav', 'en_1s.wav'];

// The tiny generated Piper voice of the fixtures (random weights, Piper's layout and phoneme_id_map).
const piperVoice = path.join(packageRoot, 'test', 'fixtures', 'piper', 'tiny-piper');

/** Imports that must succeed, each a model id below the models folder and its CLI arguments. */
interface GoodImport {
  id: string;
  args: (sources: string) => string[];
}

const GOOD: GoodImport[] = [
  { id: 'ct2/whisper', args: (s) => [path.join(s, 'ct2-whisper')] },
  { id: 'ct2/whisper-v3-fp16', args: (s) => [path.join(s, 'ct2-whisper-v3'), '--weight-format', 'fp16'] },
  { id: 'hf/whisper-int4', args: (s) => [path.join(s, 'hf-whisper'), '--weight-format', 'int4'] },
  { id: 'hf/speecht5-int8', args: (s) => [path.join(s, 'hf-speecht5'), '--vocoder', path.join(s, 'hf-hifigan'), '--weight-format', 'int8'] },
  { id: 'piper/tiny', args: () => [piperVoice] },
];

describe('ovspeech import', () => {
  const dir = tempDir('import');
  const sources = path.join(dir, 'sources');
  const models = path.join(dir, 'models');
  const started = Date.now();
  let server: ChildServer;
  const imported = new Map<string, CliRun>();

  before(async () => {
    ensurePythonEnv();
    execFileSync(venvPython, ['-m', 'fixtures.import_sources', sources], { cwd: tools, stdio: ['ignore', 'ignore', 'pipe'] });
    process.stderr.write(`checkpoints generated after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    // Concurrently: most of each import is Python starting and optimum exporting a model of kilobytes.
    const runs = await Promise.all(GOOD.map((model) => ovspeechImport([...model.args(sources), '--models', models, '--name', model.id])));
    GOOD.forEach((model, i) => imported.set(model.id, runs[i]!));
    process.stderr.write(`imported after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
  after(async () => {
    await server?.stop();
    process.stderr.write(`import.real.ts: ${((Date.now() - started) / 1000).toFixed(1)} s in all\n`);
  });

  it('imports every kind, printing where each went', () => {
    for (const model of GOOD) {
      const run = imported.get(model.id)!;
      assert.equal(run.code, 0, `${model.id}:\n${run.stderr}`);
      assert.match(run.stdout, new RegExp(`^imported ${model.id} in \\d+ s: ${path.join(models, model.id)}\\n$`));
      assert.match(run.stderr, /^ovspeech import: tools environment \(pinned Python packages, CPU torch\): done after \d+\.\d s$/m);
    }
    assert.match(
      imported.get('ct2/whisper')!.stderr,
      /^ovspeech import: convert ct2\/whisper: done after \d+\.\d s\n(.*\n)?ovspeech import: export ct2\/whisper: done/m,
    );
    // Nothing but the models: no building or scratch folder is left beside them.
    assert.deepEqual(readdirSync(path.join(models, 'hf')).sort(), ['speecht5-int8', 'whisper-int4']);
    assert.deepEqual(readdirSync(path.join(models, 'hf', 'speecht5-int8', 'voices')), ['default.bin']);
    assert.deepEqual(readdirSync(path.join(models, 'piper', 'tiny')).sort(), readdirSync(piperVoice).sort());
  });

  it("takes a CTranslate2 folder's generation settings from its config.json, large-v3's 128 mel bins and 100 languages included", () => {
    const json = (...parts: string[]) => JSON.parse(readFileSync(path.join(...parts), 'utf8')) as Record<string, unknown>;
    const keys = [
      'lang_to_id',
      'task_to_id',
      'alignment_heads',
      'suppress_tokens',
      'begin_suppress_tokens',
      'no_timestamps_token_id',
      'is_multilingual',
    ];
    for (const [id, source, melBins] of [
      ['ct2/whisper', 'hf-whisper', 80],
      ['ct2/whisper-v3-fp16', 'hf-whisper-v3', 128],
    ] as const) {
      const ours = json(models, id, 'generation_config.json');
      const theirs = json(sources, source, 'generation_config.json');
      for (const key of keys) assert.deepEqual(ours[key], theirs[key], `${id}: ${key}`);
      assert.equal(json(models, id, 'config.json').num_mel_bins, melBins);
      assert.equal(json(models, id, 'preprocessor_config.json').feature_size, melBins);
    }
    assert.equal(Object.keys(json(models, 'ct2/whisper-v3-fp16', 'generation_config.json').lang_to_id as object).length, 100);
  });

  it('converts CTranslate2 weights back to the checkpoint they were made from, within their rounding', () => {
    const worst = JSON.parse(
      execFileSync(venvPython, ['-m', 'fixtures.import_sources', '--compare', sources], {
        cwd: tools,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as Record<string, number>;
    // Relative to each weight's largest magnitude: float16 rounds within 2^-11, int8 (a scale per row) within 0.5/127.
    assert.ok(worst['ct2-whisper']! <= 2 ** -11, `float16: ${worst['ct2-whisper']}`);
    assert.ok(worst['ct2-whisper-v3']! <= (0.5 / 127) * 1.0001, `int8: ${worst['ct2-whisper-v3']}`);
    assert.ok(worst['ct2-whisper-v3']! > 2 ** -11, 'the int8 folder was not quantized');
  });

  it('writes each weight format: int8 and int4 weights in the IR, fp16 constants', () => {
    const decoder = (id: string) => readFileSync(path.join(models, id, 'openvino_decoder_model.xml'), 'utf8');
    assert.match(decoder('hf/speecht5-int8'), /element_type="u8"/);
    assert.match(decoder('hf/whisper-int4'), /element_type="u4"/);
    assert.match(decoder('ct2/whisper-v3-fp16'), /element_type="f16"/);
    assert.doesNotMatch(decoder('ct2/whisper'), /element_type="(f16|u8|u4)"/);
  });

  it('serves every imported model: Whisper transcribes, SpeechT5 and Piper speak', async () => {
    server = await startChildServer(['--models', models]);
    const listed = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(listed.data.map((m) => m.id).sort(), GOOD.map((m) => m.id).sort());
    for (const id of GOOD.filter((m) => m.id.includes('whisper')).map((m) => m.id)) {
      const form = new FormData();
      form.append(
        'file',
        new Blob([readFileSync(path.join(packageRoot, 'test', 'fixtures', 'audio', 'en_5s.wav'))], { type: 'audio/wav' }),
        'en_5s.wav',
      );
      form.append('model', id);
      form.append('language', 'en');
      const response = await fetch(`${server.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
      assert.equal(response.status, 200, `${id}: ${await response.clone().text()}`);
      assert.equal(typeof ((await response.json()) as { text: unknown }).text, 'string');
    }
    for (const [id, rate] of [
      ['hf/speecht5-int8', 16_000],
      ['piper/tiny', 22_050],
    ] as const) {
      const response = await fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: id, input: 'Hello there.', voice: 'alloy', response_format: 'wav' }),
      });
      assert.equal(response.status, 200, `${id}: ${await response.clone().text()}`);
      const probed = probeAudio(Buffer.from(await response.arrayBuffer()), 'wav');
      assert.equal(probed.sampleRate, rate, id);
      assert.ok(probed.duration > 0.1, `${id}: ${probed.duration} s`);
    }
  });

  it("gives GenAI WhisperPipeline's greedy tokens on the imported CTranslate2 folders (float16 with 80 mel bins, int8 with 128)", async (t) => {
    const clips = CLIPS.map((name) => path.join(packageRoot, 'test', 'fixtures', 'audio', name));
    for (const id of ['ct2/whisper', 'ct2/whisper-v3-fp16']) {
      const folder = path.join(models, id);
      const genai = JSON.parse(
        execFileSync(venvPython, ['-m', 'models.genai_transcripts', '--tokens', folder, ...clips], { cwd: tools, encoding: 'utf8' }),
      ) as { text: string; tokens: number[] }[];
      // f32, as the reference runs: a random model's near-ties would part in bf16.
      const engine = await WhisperEngine.load(folder, { inferencePrecision: 'f32' });
      try {
        for (const [i, name] of CLIPS.entries()) {
          const ours = await engine.transcribe(loadClip(name), { language: 'en' });
          assert.deepEqual(ours.tokens, genai[i]!.tokens, `${id} ${name}`);
          assert.equal(ours.text, genai[i]!.text, `${id} ${name}`);
          t.diagnostic(`${id} ${name}: ${ours.tokens.length} tokens equal GenAI's`);
        }
      } finally {
        await engine.dispose();
      }
    }
  });

  it('replaces a model folder with --force', async () => {
    const folder = path.join(models, 'piper', 'tiny');
    writeFileSync(path.join(folder, 'left-from-before'), '');
    const run = await ovspeechImport([piperVoice, '--models', models, '--name', 'piper/tiny', '--force']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readdirSync(folder).sort(), readdirSync(piperVoice).sort());
    assert.deepEqual(readdirSync(path.join(models, 'piper')), ['tiny']);
  });

  it('refuses bad input with a specific message, and leaves no folder behind', async () => {
    const bad = path.join(dir, 'bad');
    // A models folder of its own for each case: none may be left.
    const target = (i: number) => path.join(dir, `bad-models-${i}`);
    const folder = (name: string) => {
      mkdirSync(path.join(bad, name), { recursive: true });
      return path.join(bad, name);
    };
    writeFileSync(path.join(folder('unknown'), 'weights.pt'), 'not a model');
    const cutShort = folder('cut-short');
    cpSync(path.join(sources, 'ct2-whisper'), cutShort, { recursive: true });
    truncateSync(path.join(cutShort, 'model.bin'), 10_000);
    const noTokenizer = folder('no-tokenizer');
    for (const name of ['model.bin', 'config.json', 'vocabulary.json']) cpSync(path.join(sources, 'ct2-whisper', name), path.join(noTokenizer, name));
    const cases: { name: string; args: string[]; message: RegExp | string; code?: number }[] = [
      {
        name: 'a folder of no kind it knows',
        args: [folder('unknown')],
        message: `${folder('unknown')} is not a model folder ovspeech imports; expected a CTranslate2 (faster-whisper) Whisper folder (model.bin, config.json, tokenizer.json), a Hugging Face Whisper or SpeechT5 checkpoint (config.json with model_type "whisper" or "speecht5"), or a Piper voice (<voice>.onnx with <voice>.onnx.json)`,
      },
      {
        name: 'a CTranslate2 model.bin cut short',
        args: [cutShort],
        message: new RegExp(
          `^${path.join(cutShort, 'model.bin')} is cut short: the values of \\S+ needs [\\d,]+ bytes at offset [\\d,]+, but the file ends at 10,000$`,
        ),
      },
      {
        name: 'a CTranslate2 folder without tokenizer.json',
        args: [noTokenizer],
        message: `${noTokenizer} has no tokenizer.json, which a CTranslate2 Whisper folder needs for its text (ct2-transformers-converter writes it with --copy_files tokenizer.json)`,
      },
      {
        name: 'a SpeechT5 checkpoint without --vocoder',
        args: [path.join(sources, 'hf-speecht5')],
        message: `${path.join(sources, 'hf-speecht5')} is a SpeechT5 checkpoint, which needs --vocoder DIR|HF-ID (a SpeechT5 HiFi-GAN, such as microsoft/speecht5_hifigan)`,
      },
      {
        name: 'a vocoder that is not a HiFi-GAN',
        args: [path.join(sources, 'hf-speecht5'), '--vocoder', path.join(sources, 'hf-whisper')],
        message: `--vocoder ${path.join(sources, 'hf-whisper')} is not a SpeechT5 HiFi-GAN folder (config.json with model_type "hifigan", as microsoft/speecht5_hifigan)`,
      },
      {
        name: 'a Hugging Face id, offline',
        args: ['openai/whisper-tiny'],
        message: /^SOURCE openai\/whisper-tiny is not a local folder, and the Hugging Face Hub cannot be reached to download it \(.+\)$/,
        code: 1,
      },
      {
        name: 'an OpenVINO folder',
        args: [path.join(packageRoot, 'test', 'fixtures', 'models', 'tiny-whisper')],
        message: `${path.join(packageRoot, 'test', 'fixtures', 'models', 'tiny-whisper')} is an OpenVINO model folder already: copy it into the models folder as it is`,
      },
      {
        name: 'a source that does not exist',
        args: [path.join(bad, 'nowhere')],
        message: `SOURCE ${path.join(bad, 'nowhere')} does not exist, nor is it a Hugging Face id (OWNER/NAME)`,
      },
      {
        name: 'a weight format there is none of',
        args: [path.join(sources, 'hf-whisper'), '--weight-format', 'int3'],
        message: 'Expected one of fp32, fp16, int8, int4 for --weight-format but received "int3" of type string',
      },
      {
        name: 'a target that exists, without --force',
        args: [path.join(sources, 'hf-whisper'), '--models', models, '--name', 'ct2/whisper'],
        message: `${path.join(models, 'ct2', 'whisper')} exists; give --force to replace it, or --name for another model id`,
      },
    ];
    const noMap = folder('no-phoneme-map');
    symlinkSync(path.join(piperVoice, 'tiny.onnx'), path.join(noMap, 'tiny.onnx'));
    const config = JSON.parse(readFileSync(path.join(piperVoice, 'tiny.onnx.json'), 'utf8')) as Record<string, unknown>;
    delete config.phoneme_id_map;
    writeFileSync(path.join(noMap, 'tiny.onnx.json'), JSON.stringify(config));
    cases.push(
      { name: 'a Piper voice without phoneme_id_map', args: [noMap], message: `tiny.onnx.json in ${noMap} has no phoneme_id_map` },
      {
        name: 'a Piper voice at int8',
        args: [piperVoice, '--weight-format', 'int8'],
        message:
          '--weight-format int8 is not supported for a Piper voice: ovspeech serves its .onnx as Piper ships it (fp32); fp16, int8 and int4 are for Whisper and SpeechT5',
      },
    );
    const runs = await Promise.all(cases.map((c, i) => ovspeechImport(c.args.includes('--models') ? c.args : [...c.args, '--models', target(i)])));
    for (const [i, c] of cases.entries()) {
      const run = runs[i]!;
      assert.equal(run.code, c.code ?? 2, `${c.name}:\n${run.stderr}`);
      const line = errorLine(run)?.replace(/^ovspeech: /, '');
      if (typeof c.message === 'string') assert.equal(line, c.message, c.name);
      else assert.match(line ?? '', c.message, c.name);
    }
    // No folder at all: neither a model nor a half-built one, nor the models folder made for it.
    for (const i of cases.keys()) assert.equal(existsSync(target(i)), false, `${cases[i]!.name}: ${target(i)} is left`);
    assert.deepEqual(readdirSync(path.join(models, 'ct2')).sort(), ['whisper', 'whisper-v3-fp16']);
  });
});
