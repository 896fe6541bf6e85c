import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { invalidParameter, OvSpeechError } from '../errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerConfig {
  /** Folder whose model folders are served; ids are paths relative to it. */
  modelsDir: string;
  /** Where modelsDir came from, for the first log line. */
  modelsSource: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  /** How long a graceful shutdown waits for in-flight requests. */
  shutdownTimeoutMs: number;
  /** OpenVINO device every model is compiled for (CPU, GPU, AUTO, HETERO:...). */
  device: string;
  /** Native workers per model. */
  workers: number;
}

/** Values as given: CLI flags by their long name (`models`, `port`, ...). */
export type RawSettings = Partial<Record<'models' | 'host' | 'port' | 'logLevel' | 'shutdownTimeout' | 'device' | 'workers' | 'config', string>>;

interface Setting<T> {
  key: keyof RawSettings;
  flag: string;
  env: string;
  parse: (value: unknown, source: string) => T;
}

function parsePort(value: unknown, source: string): number {
  const port = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidParameter('integer between 0 and 65535', source, value);
  return port;
}

function parseSeconds(value: unknown, source: string): number {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) throw invalidParameter('number of seconds between 0 and 3600', source, value);
  return seconds * 1000;
}

function parseWorkers(value: unknown, source: string): number {
  const workers = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw invalidParameter('integer between 1 and 64', source, value);
  return workers;
}

function parseDevice(value: unknown, source: string): string {
  if (typeof value !== 'string' || !/^[A-Z][A-Z0-9_.:,]*$/.test(value)) {
    throw invalidParameter('OpenVINO device name such as CPU, GPU, AUTO or HETERO:GPU,CPU', source, value);
  }
  return value;
}

function parseHost(value: unknown, source: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidParameter('non-empty host name or address', source, value);
  return value;
}

function parseLogLevel(value: unknown, source: string): LogLevel {
  if (typeof value !== 'string' || !(LOG_LEVELS as readonly string[]).includes(value)) {
    throw invalidParameter(`one of ${LOG_LEVELS.join(', ')}`, source, value);
  }
  return value as LogLevel;
}

function parseDirectory(value: unknown, source: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidParameter('path of a folder', source, value);
  const dir = path.resolve(value);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new OvSpeechError(`The models folder ${dir} (from ${source}) does not exist or is not a folder`, 'INVALID_ARGUMENT', {
      param: source,
    });
  }
  return dir;
}

const SETTINGS = {
  host: { key: 'host', flag: '--host', env: 'OVSPEECH_HOST', parse: parseHost },
  port: { key: 'port', flag: '--port', env: 'OVSPEECH_PORT', parse: parsePort },
  logLevel: { key: 'logLevel', flag: '--log-level', env: 'OVSPEECH_LOG_LEVEL', parse: parseLogLevel },
  shutdownTimeoutMs: { key: 'shutdownTimeout', flag: '--shutdown-timeout', env: 'OVSPEECH_SHUTDOWN_TIMEOUT', parse: parseSeconds },
  device: { key: 'device', flag: '--device', env: 'OVSPEECH_DEVICE', parse: parseDevice },
  workers: { key: 'workers', flag: '--workers', env: 'OVSPEECH_WORKERS', parse: parseWorkers },
} satisfies Record<string, Setting<unknown>>;

const MODELS: Setting<string> = { key: 'models', flag: '--models', env: 'OVSPEECH_MODELS', parse: parseDirectory };

const DEFAULTS = { host: '0.0.0.0', port: 8000, logLevel: 'info' as LogLevel, shutdownTimeoutMs: 30_000, device: 'CPU', workers: 1 };

function readConfigFile(file: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new OvSpeechError(`The config file ${file} (from ${source}) cannot be read as JSON: ${(cause as Error).message}`, 'INVALID_ARGUMENT', {
      param: source,
      cause,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter('JSON object', `config file ${file}`, parsed);
  }
  const known = new Set<string>([MODELS.key, ...Object.values(SETTINGS).map((s) => s.key)]);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) {
      throw new OvSpeechError(`Unknown setting "${key}" in config file ${file}; known settings: ${[...known].join(', ')}`, 'INVALID_ARGUMENT', {
        param: key,
      });
    }
  }
  return parsed as Record<string, unknown>;
}

/**
 * Resolves one setting by precedence: flag, then environment variable, then config file.
 * Returns undefined when none gives it.
 */
function resolve<T>(setting: Setting<T>, flags: RawSettings, env: NodeJS.ProcessEnv, file: Record<string, unknown>, fileName: string) {
  const flag = flags[setting.key];
  if (flag !== undefined) return { value: setting.parse(flag, setting.flag), source: setting.flag };
  const fromEnv = env[setting.env];
  if (fromEnv !== undefined && fromEnv !== '') return { value: setting.parse(fromEnv, setting.env), source: setting.env };
  if (setting.key in file) {
    const source = `${setting.key} in ${fileName}`;
    return { value: setting.parse(file[setting.key], source), source };
  }
  return undefined;
}

/**
 * Default models folder: ./models when it exists, else the test models bundled with the package.
 */
function defaultModels(packageRoot: string): { value: string; source: string } {
  const local = path.resolve('models');
  if (existsSync(local) && statSync(local).isDirectory()) return { value: local, source: 'default ./models' };
  const bundled = path.join(packageRoot, 'test', 'fixtures', 'models');
  return { value: parseDirectory(bundled, 'the bundled test models'), source: 'the bundled test models, as there is no ./models' };
}

/** Relative paths are taken from the working directory. */
export function loadConfig(flags: RawSettings, env: NodeJS.ProcessEnv, packageRoot: string): ServerConfig {
  const configFile = flags.config ?? (env.OVSPEECH_CONFIG || undefined);
  const fileName = configFile === undefined ? '' : path.resolve(configFile);
  const file = configFile === undefined ? {} : readConfigFile(fileName, flags.config !== undefined ? '--config' : 'OVSPEECH_CONFIG');

  const models = resolve(MODELS, flags, env, file, fileName) ?? defaultModels(packageRoot);
  return {
    modelsDir: models.value,
    modelsSource: models.source,
    host: resolve(SETTINGS.host, flags, env, file, fileName)?.value ?? DEFAULTS.host,
    port: resolve(SETTINGS.port, flags, env, file, fileName)?.value ?? DEFAULTS.port,
    logLevel: resolve(SETTINGS.logLevel, flags, env, file, fileName)?.value ?? DEFAULTS.logLevel,
    shutdownTimeoutMs: resolve(SETTINGS.shutdownTimeoutMs, flags, env, file, fileName)?.value ?? DEFAULTS.shutdownTimeoutMs,
    device: resolve(SETTINGS.device, flags, env, file, fileName)?.value ?? DEFAULTS.device,
    workers: resolve(SETTINGS.workers, flags, env, file, fileName)?.value ?? DEFAULTS.workers,
  };
}

/** The flags `serve` accepts, for the CLI parser and its help text. */
export const SERVE_FLAGS = [MODELS, ...Object.values(SETTINGS)].map((s) => ({ key: s.key, flag: s.flag, env: s.env }));
