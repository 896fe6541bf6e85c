import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The pid in the name of a hidden build folder (`PREFIX` `PID` [.scratch|.replaced]), or NaN. */
const builderPid = (name: string, prefix: string) => Number(name.startsWith(prefix) ? name.slice(prefix.length).split('.')[0] : NaN);

/** Folders a killed build left in `dir`; the process that made each is gone. */
function removeAbandoned(dir: string, prefix: string): void {
  for (const name of readdirSync(dir)) {
    const pid = builderPid(name, prefix);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }
}

/** An existing folder that holds nothing but hidden build folders: a mount point, say, whose parent may not be writable. */
export function isEmptyTarget(target: string, purpose: FolderBuild['purpose']): boolean {
  try {
    return readdirSync(target).every((name) => Number.isInteger(builderPid(name, `.${purpose}-`)));
  } catch {
    return false;
  }
}

/** Moves what `building` holds into `target`, hidden names (a marker written last) last. */
function moveContents(building: string, target: string): void {
  const names = readdirSync(building).sort((a, b) => Number(a.startsWith('.')) - Number(b.startsWith('.')));
  for (const name of names) renameSync(path.join(building, name), path.join(target, name));
}

export interface FolderBuild {
  /** The folder to make. */
  target: string;
  /** What the hidden folders beside the target are named for: `.NAME.preparing-PID`. */
  purpose: 'preparing' | 'importing';
  /** Writes the folder's contents into `building`, which does not exist yet; `scratch` is its to use. */
  build(building: string, scratch: string): Promise<void>;
  /** A target that exists by the time the build is complete is replaced; otherwise the rename fails. */
  replace?: boolean;
  /** The rename into place failed: throws the error to fail with, or returns when the target is good anyway. */
  renameFailed(cause: Error, building: string): void;
}

/**
 * Builds a folder beside its target, hidden (`.NAME.PURPOSE-PID`, which model discovery skips), and renames
 * it into place only once `build` has finished; so a failed or killed build never leaves a folder that a
 * later start would take as a model. A target that exists and is empty (a volume's mount point) is built
 * inside instead, in `.PURPOSE-PID`, and the contents are moved into it at the end, hidden names last.
 * Whatever it leaves (building and scratch folders, parent folders it made for the target) is removed,
 * now or by the next build of the same target once this process is gone.
 */
export async function buildFolderInPlace(plan: FolderBuild): Promise<void> {
  const inside = isEmptyTarget(plan.target, plan.purpose);
  const parent = inside ? plan.target : path.dirname(plan.target);
  const madeParent = inside ? undefined : mkdirSync(parent, { recursive: true });
  const prefix = inside ? `.${plan.purpose}-` : `.${path.basename(plan.target)}.${plan.purpose}-`;
  removeAbandoned(parent, prefix);
  const building = path.join(parent, `${prefix}${process.pid}`);
  const scratch = `${building}.scratch`;
  const replaced = `${building}.replaced`;
  let inPlace = false;
  try {
    await plan.build(building, scratch);
    try {
      if (inside) moveContents(building, plan.target);
      else renameInto(building, plan.target, plan.replace === true ? replaced : undefined);
      inPlace = true;
    } catch (cause) {
      plan.renameFailed(cause as Error, building);
    }
  } finally {
    for (const folder of [building, scratch, replaced]) rmSync(folder, { recursive: true, force: true });
    if (!inPlace && madeParent !== undefined) removeEmptyUpTo(parent, madeParent);
  }
}

/** Renames `building` to `target`; an existing target is first moved to `replaced` when given, and back if the rename fails. */
function renameInto(building: string, target: string, replaced: string | undefined): void {
  const replacing = replaced !== undefined && existsSync(target);
  if (replacing) renameSync(target, replaced);
  try {
    renameSync(building, target);
  } catch (cause) {
    if (replacing) renameSync(replaced, target);
    throw cause;
  }
}

/** Removes `folder` and its parents up to `top` while they are empty (others may have put something there). */
function removeEmptyUpTo(folder: string, top: string): void {
  for (let current = folder; current.startsWith(top); current = path.dirname(current)) {
    try {
      rmdirSync(current);
    } catch {
      return;
    }
  }
}
