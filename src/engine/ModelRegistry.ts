import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { OvSpeechError, type ErrorCode } from '../errors.js';
import type { FamilyDetection, ModelFolderInfo, ModelKind } from '../native/AddonTypes.js';
import { addon, callNative } from '../native/binding.js';
import type { EngineOptions } from './options.js';
import { SpeechEngine } from './SpeechEngine.js';
import { WhisperEngine } from './WhisperEngine.js';

/** A loaded model: what it does and the engine that does it. */
export type LoadedEngine = { kind: 'transcription'; engine: WhisperEngine } | { kind: 'speech'; engine: SpeechEngine };

/** The engine of each kind; which family is of which kind, the addon says (addon.detectFamily). */
const LOAD_ENGINE: Record<ModelKind, (dir: string, options: EngineOptions) => Promise<LoadedEngine>> = {
  transcription: async (dir, options) => ({ kind: 'transcription', engine: await WhisperEngine.load(dir, options) }),
  speech: async (dir, options) => ({ kind: 'speech', engine: await SpeechEngine.load(dir, options) }),
};

export type ModelState = 'loading' | 'ready' | 'failed';

/** A failed load: its message, code and, when a setting was at fault, which one (`device`). */
export interface LoadError {
  message: string;
  code: ErrorCode;
  param?: string;
}

function loadError(error: unknown): LoadError {
  if (error instanceof OvSpeechError) return { message: error.message, code: error.code, ...(error.param ? { param: error.param } : {}) };
  return { message: error instanceof Error ? error.message : String(error), code: 'INTERNAL' };
}

export interface ModelEntry {
  /** Path relative to the models folder, with "/" separators: `openai/whisper-base`. */
  id: string;
  path: string;
  /** Unix seconds: when the folder's config.json (or the folder) last changed. */
  created: number;
  ownedBy: string;
  state: ModelState;
  /** The family that recognized the folder, when one did. */
  family?: string;
  /** Why loading failed, coded as the engine or the addon coded it. */
  error?: LoadError;
  info?: ModelFolderInfo;
  /** Once ready. */
  loaded?: LoadedEngine;
}

/** Model folders below this depth are not looked for; it also stops symlink cycles. */
const MAX_DEPTH = 8;

/** Asks the families whether `dir` is a model folder; if it is not, looks below it. */
async function findModelFolders(dir: string, depth: number, found: Map<string, FamilyDetection>): Promise<void> {
  const detection = await callNative(() => addon.detectFamily(dir));
  if (detection.modelFolder) {
    found.set(dir, detection);
    return;
  }
  if (depth >= MAX_DEPTH) return;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const child = path.join(dir, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(child).catch(() => undefined))?.isDirectory());
    if (isDir) await findModelFolders(child, depth + 1, found);
  }
}

async function modifiedSeconds(folder: string): Promise<number> {
  const info = await stat(path.join(folder, 'config.json')).catch(() => stat(folder));
  return Math.floor(info.mtimeMs / 1000);
}

/** Every model folder under the models folder, and the state of each. */
export class ModelRegistry {
  readonly #entries: Map<string, ModelEntry>;
  /** Which family recognized each model's folder. */
  readonly #detections: Map<ModelEntry, FamilyDetection>;

  private constructor(
    readonly root: string,
    found: [ModelEntry, FamilyDetection][],
  ) {
    this.#entries = new Map(found.map(([entry]) => [entry.id, entry]));
    this.#detections = new Map(found);
  }

  /** Finds the model folders and which family each is of; nothing is loaded yet (see load). */
  static async discover(root: string): Promise<ModelRegistry> {
    const found = new Map<string, FamilyDetection>();
    await findModelFolders(root, 0, found);
    const entries = await Promise.all(
      [...found.keys()].sort().map(async (folder): Promise<[ModelEntry, FamilyDetection]> => {
        const detection = found.get(folder)!;
        const id = path.relative(root, folder).split(path.sep).join('/') || path.basename(root);
        const slash = id.indexOf('/');
        const entry: ModelEntry = {
          id,
          path: folder,
          created: await modifiedSeconds(folder),
          ownedBy: slash > 0 ? id.slice(0, slash) : 'ovspeech',
          state: 'loading',
          ...(detection.family === null ? {} : { family: detection.family }),
        };
        return [entry, detection];
      }),
    );
    return new ModelRegistry(root, entries);
  }

  /**
   * Reads each folder and loads its family's engine, off the JS thread; a broken folder fails alone.
   * One model at a time: compiling several at once would multiply the start-up memory peak.
   */
  async load(options: EngineOptions, onSettled?: (entry: ModelEntry) => void): Promise<void> {
    for (const entry of this.list()) {
      try {
        const { kind, reason } = this.#detections.get(entry)!;
        if (kind === null) throw new OvSpeechError(reason, 'UNSUPPORTED_MODEL');
        entry.info = await callNative(() => addon.inspectModel(entry.path));
        entry.loaded = await LOAD_ENGINE[kind](entry.path, options);
        entry.state = 'ready';
      } catch (error) {
        entry.error = loadError(error);
        entry.state = 'failed';
      }
      onSettled?.(entry);
    }
  }

  /** Releases every engine once their running requests finish. */
  async close(): Promise<void> {
    await Promise.all(this.list().map((entry) => entry.loaded?.engine.dispose()));
  }

  list(): ModelEntry[] {
    return [...this.#entries.values()];
  }

  get(id: string): ModelEntry | undefined {
    return this.#entries.get(id);
  }
}
