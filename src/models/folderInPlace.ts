import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Folders a killed build left beside the target; the process that made each is gone. */
function removeAbandoned(target: string, prefix: string): void {
  for (const name of readdirSync(path.dirname(target))) {
    const pid = Number(name.startsWith(prefix) ? name.slice(prefix.length).split('.')[0] : NaN);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(path.join(path.dirname(target), name), { recursive: true, force: true });
    }
  }
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
 * later start would take as a model. Whatever it leaves (building and scratch folders, parent folders it
 * made for the target) is removed, now or by the next build of the same target once this process is gone.
 */
export async function buildFolderInPlace(plan: FolderBuild): Promise<void> {
  const parent = path.dirname(plan.target);
  const madeParent = mkdirSync(parent, { recursive: true });
  const prefix = `.${path.basename(plan.target)}.${plan.purpose}-`;
  removeAbandoned(plan.target, prefix);
  const building = path.join(parent, `${prefix}${process.pid}`);
  const scratch = `${building}.scratch`;
  const replaced = `${building}.replaced`;
  let inPlace = false;
  try {
    await plan.build(building, scratch);
    try {
      const replacing = plan.replace === true && existsSync(plan.target);
      if (replacing) renameSync(plan.target, replaced);
      try {
        renameSync(building, plan.target);
        inPlace = true;
      } catch (cause) {
        if (replacing) renameSync(replaced, plan.target);
        throw cause;
      }
    } catch (cause) {
      plan.renameFailed(cause as Error, building);
    }
  } finally {
    for (const folder of [building, scratch, replaced]) rmSync(folder, { recursive: true, force: true });
    if (!inPlace && madeParent !== undefined) removeEmptyUpTo(parent, madeParent);
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
