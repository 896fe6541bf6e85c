import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The names OpenVINO Model Server serves the folders of a models folder by, when the folder is laid out
 * as OVMS's export_model.py writes it: a config.json at the top whose `mediapipe_config_list` (and
 * `model_config_list`) entries name each servable and give its `base_path`, relative to that config.json
 * or absolute; `graph.pbtxt` sits beside each model's files. Clients written for OVMS send those names.
 * Returns each base path (resolved) with its name; an empty map for any other folder. Entries that are not
 * `{name, base_path}` strings are skipped: OVMS would refuse them, and the folder is still found by path.
 */
export async function ovmsServableNames(root: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  let config: unknown;
  try {
    config = JSON.parse(await readFile(path.join(root, 'config.json'), 'utf8'));
  } catch {
    return names;
  }
  if (typeof config !== 'object' || config === null) return names;
  for (const list of ['mediapipe_config_list', 'model_config_list']) {
    const entries = (config as Record<string, unknown>)[list];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      // model_config_list nests each entry under "config"; mediapipe_config_list does not.
      const servable: unknown = typeof entry === 'object' && entry !== null && 'config' in entry ? entry.config : entry;
      if (typeof servable !== 'object' || servable === null) continue;
      const { name, base_path: basePath } = servable as Record<string, unknown>;
      if (typeof name !== 'string' || name === '' || typeof basePath !== 'string' || basePath === '') continue;
      names.set(path.resolve(root, basePath), name);
    }
  }
  return names;
}
