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

/** A model's state: unloading lets the requests holding it finish, then it is unloaded (its folder still listed). */
export type ModelState = 'loading' | 'ready' | 'failed' | 'unloading' | 'unloaded';

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
  /** It has been ready once: a load now is a reload, which requests wait for instead of being refused. */
  served?: boolean;
  /** What its load added to the process's resident memory, in bytes (loads run one at a time). */
  memoryBytes?: number;
}

/** When models unload by themselves. */
export interface UnloadPolicy {
  /** A model no request has held for this long is unloaded; unset, never. */
  idleTtlMs?: number;
  /** Once the loaded models' memory is over this, the least recently used idle ones are unloaded; unset, no limit. */
  memoryBudgetBytes?: number;
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

/** The model folders under `root` by id: their path relative to root, or the name OVMS's config.json gives one. */
async function scanFolders(root: string): Promise<Map<string, { folder: string; detection: FamilyDetection }>> {
  const found = new Map<string, FamilyDetection>();
  await findModelFolders(root, 0, found);
  const folders = [...found.keys()].sort();
  const pathIds = new Map(folders.map((folder) => [folder, path.relative(root, folder).split(path.sep).join('/') || path.basename(root)]));
  const servableNames = await ovmsServableNames(root);
  const ids = new Set(pathIds.values());
  const byId = new Map<string, { folder: string; detection: FamilyDetection }>();
  for (const folder of folders) {
    // A folder that OVMS's config.json names is served by that name, unless another folder has it.
    const name = servableNames.get(path.resolve(folder));
    let id = pathIds.get(folder)!;
    if (name !== undefined && name !== id && !ids.has(name)) {
      ids.delete(id);
      ids.add(name);
      id = name;
    }
    byId.set(id, { folder, detection: found.get(folder)! });
  }
  return byId;
}

async function modifiedSeconds(folder: string): Promise<number> {
  const info = await stat(path.join(folder, 'config.json')).catch(() => stat(folder));
  return Math.floor(info.mtimeMs / 1000);
}

/** One load of a model: its engine, the leases on it, and its disposal once retired and free of them. */
class LoadedHold {
  leases = 0;
  /** Unloaded, removed, or the registry closed: the engine goes once the last lease is released. */
  retired = false;
  #startDisposal: (() => void) | undefined;
  /** Settles as the engine's dispose() does. */
  readonly disposed = new Promise<void>((resolve, reject) => {
    this.#startDisposal = () => this.loaded.engine.dispose().then(resolve, reject);
  });

  constructor(readonly loaded: LoadedEngine) {}

  /**
   * Disposes the engine once it is retired and, unless `evenIfLeased`, free of leases; at most once. A
   * leased engine's native model still lets its running jobs finish.
   */
  disposeWhenUnused(evenIfLeased = false): Promise<void> {
    if (this.retired && (evenIfLeased || this.leases === 0) && this.#startDisposal !== undefined) {
      this.#startDisposal();
      this.#startDisposal = undefined;
    }
    return this.disposed;
  }
}

/** A model folder: its entry, and its engine while one is loaded. */
class Slot {
  /** The engine requests lease: while ready, and while unloading until the last lease is released. */
  hold: LoadedHold | undefined;
  /** Removed from the registry: a load in progress is disposed as it completes. */
  removed = false;
  /** Settles once the load or unload in progress does. */
  transition: Promise<void> = Promise.resolve();
  /** performance.now() when a request last took or gave back a lease on it. */
  lastUsed = 0;

  constructor(
    readonly entry: ModelEntry,
    readonly detection: FamilyDetection,
  ) {}
}
function ownerOf(id: string): string {
  const slash = id.indexOf('/');
  return slash > 0 ? id.slice(0, slash) : 'ovspeech';
}

/**
 * Whether a model may be unloaded by the UnloadPolicy: ready and held by no request. A voice activity
 * detector never is: it is a few MB, and a realtime session takes it as it opens, without waiting for a load.
 */
function unloadable(slot: Slot): boolean {
  return slot.entry.state === 'ready' && slot.hold?.leases === 0 && slot.entry.kind !== 'vad';
}

/** Every model folder under the models folder, and the state of each; models can be added, removed, unloaded and loaded again. */
export class ModelRegistry {
  /** The models requests can find, by id. */
  readonly #slots = new Map<string, Slot>();
  /** Every engine not disposed yet, including those of removed or unloaded models that requests still hold. */
  readonly #alive = new Set<LoadedHold>();
  /** Loads run one at a time: compiling several at once would multiply the memory peak. */
  #loads: Promise<void> = Promise.resolve();
  /** How models are compiled and served: those of the first load(), for every later load. */
  #options: EngineOptions = {};
  #policy: UnloadPolicy = {};
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(readonly root: string) {}

  /** Finds the model folders and which family each is of; nothing is loaded yet (see load). */
  static async discover(root: string): Promise<ModelRegistry> {
    const registry = new ModelRegistry(root);
    for (const [id, { folder, detection }] of await scanFolders(root)) {
      registry.#slots.set(id, new Slot(await registry.#newEntry(id, folder, detection), detection));
    }
    return registry;
  }

  /**
   * Looks at the models folder again (on SIGHUP, or on request): folders that appeared are added and
   * loaded, those that are gone are removed (requests holding them finish first). Resolves with the ids
   * of each once the new ones are ready or failed.
   */
  async rescan(): Promise<{ added: string[]; removed: string[] }> {
    if (this.#closed) throw new OvSpeechError('The model registry is closed', 'UNAVAILABLE');
    const found = await scanFolders(this.root);
    const removed = [...this.#slots.keys()].filter((id) => !found.has(id) && this.#slots.get(id)!.entry.path.startsWith(this.root));
    const added = [...found.keys()].filter((id) => !this.#slots.has(id));
    await Promise.all([
      ...removed.map((id) => this.remove(id)),
      ...added.map(async (id) => {
        const { folder, detection } = found.get(id)!;
        const slot = new Slot(await this.#newEntry(id, folder, detection), detection);
        if (this.#slots.has(id)) return; // added meanwhile
        this.#slots.set(id, slot);
        await this.#load(slot);
      }),
    ]);
    return { added, removed };
  }

  /**
   * Loads each discovered folder's engine, off the JS thread, one model at a time, those `preload` names
   * (all by default; a folder of no family ovspeech serves is loaded to fail with its reason); a broken
   * folder fails alone. `onSettled` hears of each model loaded once it is ready or failed. Later loads take
   * the same options.
   */
  async load(options: EngineOptions, onSettled?: (entry: ModelEntry) => void, preload: (id: string) => boolean = () => true): Promise<void> {
    this.#options = options;
    await Promise.all(
      [...this.#slots.values()].map(async (slot) => {
        // Not preloaded: listed as unloaded, loaded by its first request.
        if (!preload(slot.entry.id) && slot.detection.kind !== null) {
          slot.entry.state = 'unloaded';
          return;
        }
        await this.#load(slot);
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
    this.#slots.set(id, slot);
    await this.#load(slot, options);
    return entry;
  }

  /**
   * Removes a model: new requests no longer find it, those holding a lease finish, and its engine is
   * disposed once the last lease is released, which the returned promise waits for. MODEL_NOT_FOUND for an
   * unknown id.
   */
  async remove(id: string): Promise<void> {
    const slot = this.#slot(id);
    this.#slots.delete(id);
    slot.removed = true;
    await slot.transition;
    const hold = slot.hold;
    if (hold === undefined) return;
    hold.retired = true;
    await hold.disposeWhenUnused();
  }

  /**
   * Unloads a model and keeps its folder listed, as "unloaded": new requests no longer get its engine
   * ("unloading" meanwhile), those holding a lease finish, then the engine is disposed. A model still
   * loading is unloaded once loaded; one that failed becomes "unloaded", to be loaded anew. Resolves with
   * the entry once unloaded. MODEL_NOT_FOUND for an unknown id.
   */
  async unload(id: string): Promise<ModelEntry> {
    const slot = this.#slot(id);
    // Refused to new requests from now on, not from when the transitions before this one are done.
    if (slot.entry.state === 'ready') slot.entry.state = 'unloading';
    return this.#transition(slot, async () => {
      const { entry, hold } = slot;
      if (entry.state === 'unloaded') return;
      delete entry.error;
      if (hold === undefined) {
        entry.state = 'unloaded';
        return;
      }
      entry.state = 'unloading';
      hold.retired = true;
      await hold.disposeWhenUnused();
      slot.hold = undefined;
      delete entry.loaded;
      entry.state = 'unloaded';
    });
  }

  /**
   * Loads a model that is unloaded or failed (after an unload in progress), with the options of load();
   * resolves with its entry once it is ready or failed, at once if it is ready. MODEL_NOT_FOUND for an
   * unknown id.
   */
  async ensureLoaded(id: string): Promise<ModelEntry> {
    const slot = this.#slot(id);
    if (slot.entry.state === 'ready') return Promise.resolve(slot.entry);
    return this.#transition(slot, () => (slot.entry.state === 'ready' ? Promise.resolve() : this.#queueLoad(slot, this.#options)));
  }

  /**
   * Unloads models by themselves from now on (unloadable() ones): each one idle for `idleTtlMs` (checked
   * every quarter of it, at most every 10 s), and the least recently used idle ones once a load takes the
   * loaded models' memory over `memoryBudgetBytes`. Either way a request loads the model again.
   */
  unloadWhen(policy: UnloadPolicy): void {
    this.#policy = policy;
    clearInterval(this.#sweeper);
    const ttl = policy.idleTtlMs;
    if (ttl === undefined) return;
    this.#sweeper = setInterval(
      () => {
        const now = performance.now();
        for (const slot of this.#slots.values()) {
          if (unloadable(slot) && now - slot.lastUsed >= ttl) void this.unload(slot.entry.id);
        }
      },
      Math.min(10_000, Math.max(50, ttl / 4)),
    );
    this.#sweeper.unref();
  }

  /**
   * A lease on a ready model, which keeps its engine loaded until released; undefined when the id is
   * unknown or the model is not ready. Release every lease exactly once, however the request ends.
   */
  lease(id: string): ModelLease | undefined {
    const slot = this.#slots.get(id);
    const hold = slot?.entry.state === 'ready' ? slot.hold : undefined;
    if (hold === undefined) return undefined;
    hold.leases += 1;
    slot!.lastUsed = performance.now();
    let released = false;
    return {
      id,
      loaded: hold.loaded,
      release: () => {
        if (released) return;
        released = true;
        hold.leases -= 1;
        slot!.lastUsed = performance.now();
        void hold.disposeWhenUnused();
      },
    };
  }

  /** Disposes every engine, removed or unloading ones still leased included; each lets its running jobs finish. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    await Promise.all(
      [...this.#alive].map((hold) => {
        hold.retired = true;
        return hold.disposeWhenUnused(true);
      }),
    );
  }

  /** Every model, in id order (models added later among the others). */
  list(): ModelEntry[] {
    return [...this.#slots.values()].map((slot) => slot.entry).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): ModelEntry | undefined {
    return this.#slots.get(id)?.entry;
  }

  #slot(id: string): Slot {
    const slot = this.#slots.get(id);
    if (slot === undefined) throw new OvSpeechError(`The model '${id}' does not exist`, 'MODEL_NOT_FOUND', { param: 'model' });
    return slot;
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

  /** Runs `step` after the slot's load or unload in progress; resolves with the entry once it is done. */
  #transition(slot: Slot, step: () => Promise<void>): Promise<ModelEntry> {
    const done = slot.transition.then(step);
    slot.transition = done.catch(() => undefined);
    return done.then(() => slot.entry);
  }

  /** Loads the slot as one transition: load() and add() do not wait behind an unload. */
  #load(slot: Slot, options: EngineOptions = this.#options): Promise<void> {
    const loaded = this.#queueLoad(slot, options);
    slot.transition = loaded;
    return loaded;
  }

  /** Queues the slot's load behind the others; settles once it is ready or failed. */
  #queueLoad(slot: Slot, options: EngineOptions): Promise<void> {
    slot.entry.state = 'loading';
    delete slot.entry.error;
    const loaded = this.#loads.then(() => this.#loadNow(slot, options));
    this.#loads = loaded;
    return loaded;
  }

  async #loadNow(slot: Slot, options: EngineOptions): Promise<void> {
    const { entry, detection } = slot;
    let hold: LoadedHold | undefined;
    try {
      // Removed or closed while waiting: there is nothing to load it for.
      if (slot.removed || this.#closed) throw new OvSpeechError('The model was removed before it loaded', 'UNAVAILABLE');
      if (detection.kind === null) throw new OvSpeechError(detection.reason, 'UNSUPPORTED_MODEL');
      entry.info = await callNative(() => addon.inspectModel(entry.path));
      const before = process.memoryUsage.rss();
      hold = new LoadedHold(await LOAD_ENGINE[detection.kind](entry.path, options));
      entry.memoryBytes = Math.max(0, process.memoryUsage.rss() - before);
      this.#alive.add(hold);
      const forget = () => this.#alive.delete(hold!);
      hold.disposed.then(forget, forget);
      slot.hold = hold;
      entry.loaded = hold.loaded;
      entry.state = 'ready';
      entry.served = true;
      slot.lastUsed = performance.now();
    } catch (error) {
      entry.error = loadError(error);
      entry.state = 'failed';
    }
    // Removed or closed while it loaded: its engine goes at once.
    if (hold !== undefined && (slot.removed || this.#closed)) {
      hold.retired = true;
      void hold.disposeWhenUnused(this.#closed);
    }
    if (entry.state === 'ready') this.#keepWithinBudget(slot);
  }

  /** Unloads the least recently used idle models, `loaded` aside, while the loaded ones' memory is over the budget. */
  #keepWithinBudget(loaded: Slot): void {
    const budget = this.#policy.memoryBudgetBytes;
    if (budget === undefined) return;
    const ready = [...this.#slots.values()].filter((slot) => slot.entry.state === 'ready');
    let total = ready.reduce((sum, slot) => sum + (slot.entry.memoryBytes ?? 0), 0);
    const idle = ready.filter((slot) => slot !== loaded && unloadable(slot)).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const slot of idle) {
      if (total <= budget) return;
      total -= slot.entry.memoryBytes ?? 0;
      void this.unload(slot.entry.id);
    }
  }
}
