import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

import { OvSpeechError, type ErrorCode } from '../errors.js';
import type { FamilyDetection, ModelFolderInfo, ModelKind } from '../native/AddonTypes.js';
import { addon, callNative } from '../native/binding.js';
import type { EngineOptions } from './options.js';
import { SpeechEngine } from './SpeechEngine.js';
import { ovmsServableNames } from './ovmsLayout.js';
import { VadEngine } from './VadEngine.js';
import { WhisperEngine } from './WhisperEngine.js';

/** A loaded model: what it does and the engine that does it. */
export type LoadedEngine =
  { kind: 'transcription'; engine: WhisperEngine } | { kind: 'speech'; engine: SpeechEngine } | { kind: 'vad'; engine: VadEngine };

/** The engine of each kind; which family is of which kind, the addon says (addon.detectFamily). */
const LOAD_ENGINE: Record<ModelKind, (dir: string, options: EngineOptions) => Promise<LoadedEngine>> = {
  transcription: async (dir, options) => ({ kind: 'transcription', engine: await WhisperEngine.load(dir, options) }),
  speech: async (dir, options) => ({ kind: 'speech', engine: await SpeechEngine.load(dir, options) }),
  vad: async (dir, options) => ({ kind: 'vad', engine: await VadEngine.load(dir, options) }),
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
  /** The family that recognized the folder, when one did, and the kind of model it serves. */
  family?: string;
  kind?: ModelKind;
  /** Why loading failed, coded as the engine or the addon coded it. */
  error?: LoadError;
  info?: ModelFolderInfo;
  /** Once ready. */
  loaded?: LoadedEngine;
}

/**
 * A request's hold on a ready model: the engine stays loaded until every lease on it is released, even
 * once the model is removed. release() may be called more than once; only the first counts.
 */
export interface ModelLease {
  readonly id: string;
  readonly loaded: LoadedEngine;
  release(): void;
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

/** A model and what keeps its engine alive. */
class Slot {
  leases = 0;
  /** Removed, or the registry closed: the engine goes once the last lease is released. */
  retired = false;
  #startDisposal: (() => void) | undefined;
  /** Settles as the engine's dispose() does (at once for a model that failed to load). */
  readonly disposed = new Promise<void>((resolve, reject) => {
    this.#startDisposal = () => (this.entry.loaded?.engine.dispose() ?? Promise.resolve()).then(resolve, reject);
  });

  constructor(
    readonly entry: ModelEntry,
    readonly detection: FamilyDetection,
  ) {}

  /**
   * Disposes the engine once it is retired and loaded (or failed), and, unless `evenIfLeased`, free of
   * leases; at most once. A leased engine's native model still lets its running jobs finish.
   */
  disposeWhenUnused(evenIfLeased = false): Promise<void> {
    const unused = this.retired && this.entry.state !== 'loading' && (evenIfLeased || this.leases === 0);
    if (unused && this.#startDisposal !== undefined) {
      this.#startDisposal();
      this.#startDisposal = undefined;
    }
    return this.disposed;
  }
}

function ownerOf(id: string): string {
  const slash = id.indexOf('/');
  return slash > 0 ? id.slice(0, slash) : 'ovspeech';
}

/** Every model folder under the models folder, and the state of each; models can be added and removed. */
export class ModelRegistry {
  /** The models requests can find, by id. */
  readonly #slots = new Map<string, Slot>();
  /** Every slot whose engine is not disposed yet, including removed ones that requests still hold. */
  readonly #alive = new Set<Slot>();
  /** Loads run one at a time: compiling several at once would multiply the memory peak. */
  #loads: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(readonly root: string) {}

  /** Finds the model folders and which family each is of; nothing is loaded yet (see load). */
  static async discover(root: string): Promise<ModelRegistry> {
    const registry = new ModelRegistry(root);
    const found = new Map<string, FamilyDetection>();
    await findModelFolders(root, 0, found);
    const folders = [...found.keys()].sort();
    const pathIds = new Map(folders.map((folder) => [folder, path.relative(root, folder).split(path.sep).join('/') || path.basename(root)]));
    const servableNames = await ovmsServableNames(root);
    const ids = new Set(pathIds.values());
    for (const folder of folders) {
      // A folder that OVMS's config.json names is served by that name, unless another folder has it.
      const name = servableNames.get(path.resolve(folder));
      let id = pathIds.get(folder)!;
      if (name !== undefined && name !== id && !ids.has(name)) {
        ids.delete(id);
        ids.add(name);
        id = name;
      }
      registry.#insert(new Slot(await registry.#newEntry(id, folder, found.get(folder)!), found.get(folder)!));
    }
    return registry;
  }

  /**
   * Loads each discovered folder's engine, off the JS thread, one model at a time; a broken folder fails
   * alone. `onSettled` hears of each model once it is ready or failed.
   */
  async load(options: EngineOptions, onSettled?: (entry: ModelEntry) => void): Promise<void> {
    await Promise.all(
      [...this.#slots.values()].map(async (slot) => {
        await this.#load(slot, options);
        onSettled?.(slot.entry);
      }),
    );
  }

  /**
   * Adds the model folder at `dir` as `id` and loads it; requests find it at once (as loading). Resolves
   * with the entry once it is ready or failed (its error then says why, and it stays listed until
   * removed). Rejects, adding nothing, for an id already in use (INVALID_ARGUMENT), a missing folder
   * (MODEL_NOT_FOUND) or one that is not a model folder (UNSUPPORTED_MODEL).
   */
  async add(id: string, dir: string, options: EngineOptions): Promise<ModelEntry> {
    if (this.#closed) throw new OvSpeechError('The model registry is closed', 'UNAVAILABLE');
    this.#checkFreeId(id);
    const detection = await callNative(() => addon.detectFamily(dir));
    if (!detection.modelFolder) throw new OvSpeechError(`${dir} is not a model folder: ${detection.reason}`, 'UNSUPPORTED_MODEL', { param: 'path' });
    const entry = await this.#newEntry(id, dir, detection);
    // Checked again: another add of the same id may have come in while the folder was read.
    this.#checkFreeId(id);
    const slot = new Slot(entry, detection);
    this.#insert(slot);
    await this.#load(slot, options);
    return entry;
  }

  /**
   * Removes a model: new requests no longer find it, those holding a lease finish, and its engine is
   * disposed once the last lease is released, which the returned promise waits for. MODEL_NOT_FOUND for an
   * unknown id.
   */
  async remove(id: string): Promise<void> {
    const slot = this.#slots.get(id);
    if (slot === undefined) throw new OvSpeechError(`The model '${id}' does not exist`, 'MODEL_NOT_FOUND', { param: 'model' });
    this.#slots.delete(id);
    slot.retired = true;
    await slot.disposeWhenUnused();
  }

  /**
   * A lease on a ready model, which keeps its engine loaded until released; undefined when the id is
   * unknown or the model is not ready. Release every lease exactly once, however the request ends.
   */
  lease(id: string): ModelLease | undefined {
    const slot = this.#slots.get(id);
    const loaded = slot?.entry.state === 'ready' ? slot.entry.loaded : undefined;
    if (slot === undefined || loaded === undefined) return undefined;
    slot.leases += 1;
    let released = false;
    return {
      id,
      loaded,
      release: () => {
        if (released) return;
        released = true;
        slot.leases -= 1;
        void slot.disposeWhenUnused();
      },
    };
  }

  /** Disposes every engine, removed ones still leased included; each lets its running jobs finish. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#alive].map((slot) => {
        slot.retired = true;
        return slot.disposeWhenUnused(true);
      }),
    );
  }

  list(): ModelEntry[] {
    return [...this.#slots.values()].map((slot) => slot.entry);
  }

  get(id: string): ModelEntry | undefined {
    return this.#slots.get(id)?.entry;
  }

  #checkFreeId(id: string): void {
    if (this.#slots.has(id)) throw new OvSpeechError(`A model with the id '${id}' already exists`, 'INVALID_ARGUMENT', { param: 'id' });
  }

  async #newEntry(id: string, folder: string, detection: FamilyDetection): Promise<ModelEntry> {
    return {
      id,
      path: folder,
      created: await modifiedSeconds(folder),
      ownedBy: ownerOf(id),
      state: 'loading',
      ...(detection.family === null ? {} : { family: detection.family }),
      ...(detection.kind === null ? {} : { kind: detection.kind }),
    };
  }

  #insert(slot: Slot): void {
    this.#slots.set(slot.entry.id, slot);
    this.#alive.add(slot);
    const forget = () => this.#alive.delete(slot);
    slot.disposed.then(forget, forget);
  }

  /** Queues the slot's load behind the others; settles once it is ready or failed. */
  #load(slot: Slot, options: EngineOptions): Promise<void> {
    const loaded = this.#loads.then(() => this.#loadNow(slot, options));
    this.#loads = loaded;
    return loaded;
  }

  async #loadNow(slot: Slot, options: EngineOptions): Promise<void> {
    const { entry, detection } = slot;
    try {
      // Removed or closed while waiting: there is nothing to load it for.
      if (slot.retired || this.#closed) throw new OvSpeechError('The model was removed before it loaded', 'UNAVAILABLE');
      if (detection.kind === null) throw new OvSpeechError(detection.reason, 'UNSUPPORTED_MODEL');
      entry.info = await callNative(() => addon.inspectModel(entry.path));
      entry.loaded = await LOAD_ENGINE[detection.kind](entry.path, options);
      entry.state = 'ready';
    } catch (error) {
      entry.error = loadError(error);
      entry.state = 'failed';
    }
    if (this.#closed) slot.retired = true;
    void slot.disposeWhenUnused(this.#closed);
  }
}
