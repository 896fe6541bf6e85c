import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { OvSpeechError, type ErrorCode } from '../errors.js';
import { buildFolderInPlace } from './folderInPlace.js';
import type { ProgressDisplay } from './progress.js';
import { lastLine, makeToolsEnvironment, runToolsModule } from './tools.js';

export const WEIGHT_FORMATS = ['fp32', 'fp16', 'int8', 'int4'] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

/** What a Hugging Face model id looks like: OWNER/NAME. */
const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

/** Exit statuses of tools/models/import_model.py: the input is not what its kind needs; a Hugging Face id could not be downloaded. */
const BAD_INPUT_STATUS = 2;
const HUB_UNREACHABLE_STATUS = 4;

/** An import failed; the message says why in one line, and `log` holds the end of the tools' own messages. */
export class ImportError extends OvSpeechError {
  constructor(
    message: string,
    code: ErrorCode,
    readonly log = '',
  ) {
    super(message, code);
    this.name = 'ImportError';
  }
}

export interface ImportPlan {
  /** A local folder (a Piper voice also by its .onnx file) or a Hugging Face id. */
  source: string;
  /** The models folder the server serves. */
  modelsDir: string;
  /** The model's id, its folder relative to modelsDir; default the source's folder name or Hugging Face id. */
  id?: string | undefined;
  weightFormat: WeightFormat;
  /** SpeechT5's HiFi-GAN vocoder: a folder or a Hugging Face id. */
  vocoder?: string | undefined;
  /** Replace a model folder that is already there. */
  force?: boolean;
  packageRoot: string;
  display: ProgressDisplay;
}

export interface Imported {
  id: string;
  folder: string;
}

/** The id a source gets unless one is given: a local folder's (or .onnx file's) name, else its Hugging Face id. */
function defaultId(source: string): string {
  if (!existsSync(source)) return source;
  return path.basename(path.resolve(source), statSync(source).isFile() ? '.onnx' : '');
}

/** Model ids are paths below the models folder, each part a visible folder name (discovery skips hidden ones). */
function checkId(id: string): void {
  const parts = id.split('/');
  if (path.isAbsolute(id) || parts.some((part) => part === '' || part.startsWith('.') || part.includes('\\'))) {
    throw new ImportError(
      `Expected a model id of folder names joined by "/", none empty or starting with "." for --name but received "${id}"`,
      'INVALID_ARGUMENT',
    );
  }
}

/**
 * Imports a model a user has into the models folder, as a folder the server serves: a CTranslate2
 * (faster-whisper) Whisper, a Hugging Face Whisper or SpeechT5 checkpoint, or a Piper voice. The tools
 * environment (tools/tools-venv.sh) runs tools/models/import_model.py, which detects the kind and exports
 * it through optimum-intel at the weight format. The folder is built beside its target and renamed into
 * place once complete; an existing target is refused unless `force`.
 */
export async function importModel(plan: ImportPlan): Promise<Imported> {
  for (const [what, name] of [
    ['SOURCE', plan.source],
    ['--vocoder', plan.vocoder],
  ] as const) {
    if (name !== undefined && !existsSync(name) && !HUB_ID.test(name)) {
      throw new ImportError(`${what} ${name} does not exist, nor is it a Hugging Face id (OWNER/NAME)`, 'INVALID_ARGUMENT');
    }
  }
  const id = plan.id ?? defaultId(plan.source);
  checkId(id);
  const target = path.resolve(plan.modelsDir, id);
  if (existsSync(plan.source) && path.resolve(plan.source) === target) {
    throw new ImportError(
      `${plan.source} is the folder the import would write; import it under another --name or from elsewhere`,
      'INVALID_ARGUMENT',
    );
  }
  if (existsSync(target) && plan.force !== true) {
    throw new ImportError(`${target} exists; give --force to replace it, or --name for another model id`, 'INVALID_ARGUMENT');
  }
  const fail = (message: string) => new ImportError(message, 'UNAVAILABLE');
  let succeeded = false;
  try {
    await buildFolderInPlace({
      target,
      purpose: 'importing',
      replace: plan.force === true,
      build: async (building, scratch) => {
        const python = await makeToolsEnvironment(plan.packageRoot, plan.display, fail);
        // The tool runs in tools/: local paths go to it absolute, Hugging Face ids as they are.
        const local = (name: string) => (existsSync(name) ? path.resolve(name) : name);
        const args = [local(plan.source), building, scratch, '--id', id, '--weight-format', plan.weightFormat];
        if (plan.vocoder !== undefined) args.push('--vocoder', local(plan.vocoder));
        const result = await runToolsModule(python, plan.packageRoot, 'models.import_model', args, plan.display, fail);
        if (result.code === BAD_INPUT_STATUS) throw new ImportError(lastLine(result.stderr), 'INVALID_ARGUMENT');
        if (result.code === HUB_UNREACHABLE_STATUS) throw new ImportError(lastLine(result.stderr), 'UNAVAILABLE');
        if (result.code !== 0) throw new ImportError(`the import of ${plan.source} failed: ${lastLine(result.stderr)}`, 'INTERNAL', result.stderr);
      },
      renameFailed: (cause, building) => {
        throw new ImportError(`${building} cannot be renamed to ${target}: ${cause.message}`, 'INTERNAL');
      },
    });
    succeeded = true;
    return { id, folder: target };
  } finally {
    plan.display.finish(succeeded);
  }
}
