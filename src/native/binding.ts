import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { OvSpeechError } from '../errors.js';
import type { Addon } from './AddonTypes.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const addonPath = path.join(packageRoot, 'build', 'Release', 'ovspeech.node');

function loadAddon(): Addon {
  const require = createRequire(import.meta.url);
  let loaded: Addon;
  try {
    loaded = require(addonPath) as Addon;
  } catch (cause) {
    throw new OvSpeechError(`The ovspeech native addon could not be loaded from ${addonPath}: run npm ci`, 'INTERNAL', {
      cause,
    });
  }
  loaded.setErrorClass(OvSpeechError);
  return loaded;
}

export const addon: Addon = loadAddon();

/**
 * Runs a native call and, on failure, points the error's stack at the JS caller rather than at the
 * settling of the promise (native frames carry no JS stack).
 */
export async function callNative<T>(call: () => Promise<T>): Promise<T> {
  const caller = new Error();
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && caller.stack !== undefined) {
      error.stack = `${error.name}: ${error.message}\n${caller.stack.split('\n').slice(1).join('\n')}`;
    }
    throw error;
  }
}
