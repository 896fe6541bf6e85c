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
 * Points a native error's stack at `caller`, an Error made where the application called in, rather than
 * at the settling of the promise (native frames carry no JS stack).
 */
export function pointStackAt(error: unknown, caller: Error): void {
  if (error instanceof Error && caller.stack !== undefined) {
    error.stack = `${error.name}: ${error.message}\n${caller.stack.split('\n').slice(1).join('\n')}`;
  }
}

/** Runs a native call; on failure the error's stack points at the JS caller. */
export async function callNative<T>(call: () => Promise<T>): Promise<T> {
  const caller = new Error();
  try {
    return await call();
  } catch (error) {
    pointStackAt(error, caller);
    throw error;
  }
}
