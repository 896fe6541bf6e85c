import { invalidParameter } from '../errors.js';
import type { CompileSettings } from '../native/AddonTypes.js';

/** Settings every engine takes: how its model is compiled, and its pool of native workers. */
export interface EngineOptions extends CompileSettings {
  /** Native workers, each with its own infer requests; concurrent requests beyond them queue. */
  workers?: number;
  /** Requests that may wait for a worker; more are refused with OVERLOADED. */
  maxQueued?: number;
}

export function optionalInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(`integer between ${min} and ${max}`, name, value);
  }
  return value;
}

export function optionalNumber(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= min && value <= max)) throw invalidParameter(`number between ${min} and ${max}`, name, value);
  return value;
}

export function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidParameter('boolean', name, value);
  return value;
}

/** Splits engine options into compile settings and pool settings, validated; `defaultWorkers` when none are given. */
export function poolAndCompile(
  options: EngineOptions,
  defaultWorkers = 1,
): { compile: CompileSettings; pool: { workers: number; maxQueued: number } } {
  const { workers = defaultWorkers, maxQueued = 64, ...compile } = options;
  optionalInteger(workers, 'workers', 1, 64);
  optionalInteger(maxQueued, 'maxQueued', 0, 100_000);
  return { compile, pool: { workers, maxQueued } };
}
