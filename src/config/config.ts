import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { MAX_INPUT_CHARACTERS } from '../engine/SpeechEngine.js';
import { invalidParameter, OvSpeechError } from '../errors.js';
import { isEmptyTarget } from '../models/folderInPlace.js';
import { KUBEAI_MODEL_ENV, kubeAiModel } from './kubeai.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const INFERENCE_PRECISIONS = ['f32', 'f16', 'bf16'] as const;
export type InferencePrecision = (typeof INFERENCE_PRECISIONS)[number];
export const CHUNKING_STRATEGIES = ['none', 'auto'] as const;
export type ChunkingStrategy = (typeof CHUNKING_STRATEGIES)[number];
/** Which models /health/ready waits for: every model, or at least one of each kind the folder has. */
export const READINESS_POLICIES = ['all', 'each-kind'] as const;
export type ReadinessPolicy = (typeof READINESS_POLICIES)[number];

export interface ServerConfig {
  /** Folder whose model folders are served; ids are paths relative to it. */
  modelsDir: string;
  /** Where modelsDir came from, for the first log line. */
  modelsSource: string;
  /**
   * Where the default model set is to be prepared before serving: ./models, when no models folder was
   * given, ./models does not exist and preparation is on. modelsDir is then the bundled test models,
   * which are served if preparation fails.
   */
  prepareInto: string | undefined;
  /** The models folder must hold a transcription model, or the start stops: KubeAI starts a pod for one. */
  requireTranscription: boolean;
  host: string;
  port: number;
  logLevel: LogLevel;
  /** How long a graceful shutdown waits for in-flight requests. */
  shutdownTimeoutMs: number;
  /** OpenVINO device every model is compiled for (CPU, GPU, AUTO, HETERO:...). */
  device: string;
  /** The precision models compute in (OpenVINO's INFERENCE_PRECISION_HINT); unset, the device's default (bf16 on CPUs with AVX-512 BF16 or AMX, else f32). */
  inferencePrecision: InferencePrecision | undefined;
  /**
   * How a transcription without chunking_strategy is cut: "none" in Whisper's 30 s windows (as OpenVINO
   * GenAI and OpenAI's Whisper do), "auto" at the speech a voice activity detector finds.
   */
  chunkingStrategy: ChunkingStrategy;
  /**
   * Which models load at start: every one ("all"), none, or the listed ids; the others are listed as
   * unloaded and load on their first request.
   */
  preload: 'all' | 'none' | string[];
  /** A model no request has held for this long is unloaded (and loaded again by the next request); unset, never. */
  modelTtlMs: number | undefined;
  /** Loaded models' memory above which the least recently used idle ones are unloaded; unset, no limit. */
  memoryBudgetBytes: number | undefined;
  /** When /health/ready answers 200: once every model is ready, or at least one of each kind. */
  readyWhen: ReadinessPolicy;
  /**
   * OpenVINO's compiled-model cache (CACHE_DIR): a model compiled once is read back from here on the next
   * start or load. Unset, every load compiles.
   */
  cacheDir: string | undefined;
  /** Native workers per model; unset, each engine's own default (a Whisper model batches its workers). */
  workers: number | undefined;
  /** Requests that may wait for a model's workers; beyond them a request is refused with 503. */
  queueLength: number;
  /** Keys a client must send as `Authorization: Bearer KEY`; none means the server is open. */
  apiKeys: string[];
  /** Largest upload accepted, in bytes. */
  maxUploadBytes: number;
  /** Longest audio accepted for transcription, in seconds. */
  maxAudioSeconds: number;
  /** Most characters of speech input accepted. */
  maxInputCharacters: number;
  /** How long one request may take before it is cancelled; 0 for no limit. */
  requestTimeoutMs: number;
  /** Model used when a request names none or names an OpenAI model (whisper-1, tts-1, ...). */
  transcriptionModel: string | undefined;
  speechModel: string | undefined;
  /** The upstream OpenAI-compatible chat endpoint of audio chat; audio chat is off without it. */
  chatCompletion: { baseUrl: string | undefined; model: string | undefined; apiKey: string | undefined };
}

/** The settings as they come from flags, the environment or the config file, before checking. */
type RawKey =
  | 'models'
  | 'host'
  | 'port'
  | 'logLevel'
  | 'shutdownTimeout'
  | 'device'
  | 'inferencePrecision'
  | 'chunkingStrategy'
  | 'readyWhen'
  | 'preload'
  | 'modelTtl'
  | 'memoryBudgetMb'
  | 'cacheDir'
  | 'workers'
  | 'queueLength'
  | 'apiKey'
  | 'apiKeyFile'
  | 'maxUploadMb'
  | 'maxAudioSeconds'
  | 'maxInputChars'
  | 'requestTimeout'
  | 'transcriptionModel'
  | 'speechModel'
  | 'chatCompletionBaseUrl'
  | 'chatCompletionModel'
  | 'chatCompletionApiKey'
  | 'prepare'
  | 'config';

/** Values as given: CLI flags by their long name (`models`, `port`, ...). */
export type RawSettings = Partial<Record<RawKey, string>>;

interface Setting<T> {
  key: keyof RawSettings;
  flag: string;
  env: string;
  parse: (value: unknown, source: string) => T;
}

/** A number in [min, max]; an integer setting given as text must be plain digits. */
function rangeParser(min: number, max: number, { integer, unit = '' }: { integer: boolean; unit?: string }) {
  const expected = `${integer ? 'integer' : `number${unit}`} between ${min} and ${max}`;
  const digits = integer ? /^\d+$/ : /\S/;
  return (value: unknown, source: string): number => {
    const number = typeof value === 'number' ? value : typeof value === 'string' && digits.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(number) || number < min || number > max || (integer && !Number.isInteger(number))) {
      throw invalidParameter(expected, source, value);
    }
    return number;
  };
}

const parsePort = rangeParser(0, 65535, { integer: true });
const parseWorkers = rangeParser(1, 64, { integer: true });
const parseSecondsValue = rangeParser(0, 3600, { integer: false, unit: ' of seconds' });

/** Seconds as given, in milliseconds. */
function parseSeconds(value: unknown, source: string): number {
  return parseSecondsValue(value, source) * 1000;
}

function parseText(value: unknown, source: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidParameter('non-empty string', source, value);
  return value;
}

function parseUrl(value: unknown, source: string): string {
  const text = parseText(value, source);
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw invalidParameter('http or https URL', source, value);
  return text.replace(/\/+$/, '');
}

/** One key per line; blank lines and lines starting with # are skipped. */
function parseKeyFile(value: unknown, source: string): string[] {
  const file = parseText(value, source);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OvSpeechError(`The API key file ${file} (from ${source}) cannot be read: ${(cause as Error).message}`, 'INVALID_ARGUMENT', {
      param: source,
      cause,
    });
  }
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) throw new OvSpeechError(`The API key file ${file} (from ${source}) holds no key`, 'INVALID_ARGUMENT', { param: source });
  return keys;
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

/** A parser of one of `choices`. */
function choiceParser<T extends string>(choices: readonly T[]): (value: unknown, source: string) => T {
  return (value, source) => {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
      throw invalidParameter(`one of ${choices.join(', ')}`, source, value);
    return value as T;
  };
}

function parseSwitch(value: unknown, source: string): boolean {
  if (value === 'on' || value === true) return true;
  if (value === 'off' || value === false) return false;
  throw invalidParameter('on or off', source, value);
}

/** "all", "none", or model ids separated by commas. */
function parsePreload(value: unknown, source: string): 'all' | 'none' | string[] {
  if (typeof value !== 'string' || value.trim() === '') throw invalidParameter('"all", "none" or model ids separated by commas', source, value);
  if (value === 'all' || value === 'none') return value;
  const ids = value.split(',').map((id) => id.trim());
  if (ids.some((id) => id === '')) throw invalidParameter('"all", "none" or model ids separated by commas', source, value);
  return ids;
}

/** A folder that is made when it does not exist yet, and must be writable. */
function parseWritableDirectory(value: unknown, source: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidParameter('path of a folder', source, value);
  const dir = path.resolve(value);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new OvSpeechError(`The folder ${dir} (from ${source}) cannot be made or written: ${(error as Error).message}`, 'INVALID_ARGUMENT', {
      param: source,
    });
  }
  return dir;
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
  logLevel: { key: 'logLevel', flag: '--log-level', env: 'OVSPEECH_LOG_LEVEL', parse: choiceParser(LOG_LEVELS) },
  shutdownTimeoutMs: { key: 'shutdownTimeout', flag: '--shutdown-timeout', env: 'OVSPEECH_SHUTDOWN_TIMEOUT', parse: parseSeconds },
  device: { key: 'device', flag: '--device', env: 'OVSPEECH_DEVICE', parse: parseDevice },
  inferencePrecision: {
    key: 'inferencePrecision',
    flag: '--inference-precision',
    env: 'OVSPEECH_INFERENCE_PRECISION',
    parse: choiceParser(INFERENCE_PRECISIONS),
  },
  chunkingStrategy: {
    key: 'chunkingStrategy',
    flag: '--chunking-strategy',
    env: 'OVSPEECH_CHUNKING_STRATEGY',
    parse: choiceParser(CHUNKING_STRATEGIES),
  },
  preload: { key: 'preload', flag: '--preload', env: 'OVSPEECH_PRELOAD', parse: parsePreload },
  modelTtlMs: {
    key: 'modelTtl',
    flag: '--model-ttl',
    env: 'OVSPEECH_MODEL_TTL',
    parse: (value: unknown, source: string) => rangeParser(1, 30 * 24 * 3600, { integer: false, unit: ' of seconds' })(value, source) * 1000,
  },
  memoryBudgetBytes: {
    key: 'memoryBudgetMb',
    flag: '--memory-budget-mb',
    env: 'OVSPEECH_MEMORY_BUDGET_MB',
    parse: (value: unknown, source: string) => rangeParser(1, 16 * 1024 * 1024, { integer: true })(value, source) * 1024 * 1024,
  },
  cacheDir: { key: 'cacheDir', flag: '--cache-dir', env: 'OVSPEECH_CACHE_DIR', parse: parseWritableDirectory },
  readyWhen: { key: 'readyWhen', flag: '--ready-when', env: 'OVSPEECH_READY_WHEN', parse: choiceParser(READINESS_POLICIES) },
  workers: { key: 'workers', flag: '--workers', env: 'OVSPEECH_WORKERS', parse: parseWorkers },
  queueLength: {
    key: 'queueLength',
    flag: '--queue-length',
    env: 'OVSPEECH_QUEUE_LENGTH',
    parse: rangeParser(0, 100_000, { integer: true }),
  },
  apiKey: { key: 'apiKey', flag: '--api-key', env: 'OVSPEECH_API_KEY', parse: parseText },
  apiKeyFile: { key: 'apiKeyFile', flag: '--api-key-file', env: 'OVSPEECH_API_KEY_FILE', parse: parseKeyFile },
  maxUploadMb: {
    key: 'maxUploadMb',
    flag: '--max-upload-mb',
    env: 'OVSPEECH_MAX_UPLOAD_MB',
    parse: rangeParser(0.001, 2048, { integer: false, unit: ' of megabytes' }),
  },
  maxAudioSeconds: {
    key: 'maxAudioSeconds',
    flag: '--max-audio-seconds',
    env: 'OVSPEECH_MAX_AUDIO_SECONDS',
    parse: rangeParser(1, 86_400, { integer: false, unit: ' of seconds' }),
  },
  maxInputChars: {
    key: 'maxInputChars',
    flag: '--max-input-chars',
    env: 'OVSPEECH_MAX_INPUT_CHARS',
    parse: rangeParser(1, MAX_INPUT_CHARACTERS, { integer: true }),
  },
  requestTimeoutMs: { key: 'requestTimeout', flag: '--request-timeout', env: 'OVSPEECH_REQUEST_TIMEOUT', parse: parseSeconds },
  transcriptionModel: { key: 'transcriptionModel', flag: '--transcription-model', env: 'OVSPEECH_TRANSCRIPTION_MODEL', parse: parseText },
  speechModel: { key: 'speechModel', flag: '--speech-model', env: 'OVSPEECH_SPEECH_MODEL', parse: parseText },
  chatCompletionBaseUrl: { key: 'chatCompletionBaseUrl', flag: '--chat-completion-base-url', env: 'CHAT_COMPLETION_BASE_URL', parse: parseUrl },
  chatCompletionModel: { key: 'chatCompletionModel', flag: '--chat-completion-model', env: 'CHAT_COMPLETION_MODEL', parse: parseText },
  chatCompletionApiKey: { key: 'chatCompletionApiKey', flag: '--chat-completion-api-key', env: 'CHAT_COMPLETION_API_KEY', parse: parseText },
  prepare: { key: 'prepare', flag: '--prepare', env: 'OVSPEECH_PREPARE', parse: parseSwitch },
} satisfies Record<string, Setting<unknown>>;

const MODELS: Setting<string> = { key: 'models', flag: '--models', env: 'OVSPEECH_MODELS', parse: parseDirectory };

const DEFAULTS = {
  host: '0.0.0.0',
  port: 8000,
  logLevel: 'info' as LogLevel,
  shutdownTimeoutMs: 30_000,
  device: 'CPU',
  queueLength: 64,
  // OpenAI's own upload limit.
  maxUploadMb: 25,
  // 30 minutes: decoded 48 kHz stereo float audio of that length takes 700 MB.
  maxAudioSeconds: 1800,
  maxInputChars: MAX_INPUT_CHARACTERS,
  requestTimeoutMs: 600_000,
  prepare: true,
};

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
 * Default models folder: ./models when it exists, else the test models bundled with the package, with
 * ./models to be prepared first when preparation is on; an empty ./models (a container's volume) is
 * prepared too.
 */
function defaultModels(packageRoot: string, prepare: boolean): { value: string; source: string; prepareInto: string | undefined } {
  const local = path.resolve('models');
  const toPrepare = prepare && isEmptyTarget(local, 'preparing');
  if (existsSync(local) && statSync(local).isDirectory() && !toPrepare) return { value: local, source: 'default ./models', prepareInto: undefined };
  const bundled = parseDirectory(path.join(packageRoot, 'test', 'fixtures', 'models'), 'the bundled test models');
  return prepare
    ? { value: bundled, source: 'the bundled test models', prepareInto: local }
    : { value: bundled, source: 'the bundled test models, as there is no ./models and preparation is off', prepareInto: undefined };
}

/** Relative paths are taken from the working directory. */
export function loadConfig(flags: RawSettings, env: NodeJS.ProcessEnv, packageRoot: string): ServerConfig {
  const configFile = flags.config ?? (env.OVSPEECH_CONFIG || undefined);
  const fileName = configFile === undefined ? '' : path.resolve(configFile);
  const file = configFile === undefined ? {} : readConfigFile(fileName, flags.config !== undefined ? '--config' : 'OVSPEECH_CONFIG');

  const get = <K extends keyof typeof SETTINGS>(name: K): ReturnType<(typeof SETTINGS)[K]['parse']> | undefined =>
    resolve(SETTINGS[name] as Setting<ReturnType<(typeof SETTINGS)[K]['parse']>>, flags, env, file, fileName)?.value;
  const given = resolve(MODELS, flags, env, file, fileName);
  const kubeAi = given === undefined && env[KUBEAI_MODEL_ENV] ? kubeAiModel(env[KUBEAI_MODEL_ENV]) : undefined;
  const models =
    given !== undefined
      ? { ...given, prepareInto: undefined }
      : kubeAi !== undefined
        ? { value: kubeAi.modelsDir, source: kubeAi.source, prepareInto: undefined }
        : defaultModels(packageRoot, get('prepare') ?? DEFAULTS.prepare);
  const apiKey = get('apiKey');
  return {
    modelsDir: models.value,
    modelsSource: models.source,
    prepareInto: models.prepareInto,
    requireTranscription: kubeAi !== undefined,
    host: get('host') ?? DEFAULTS.host,
    port: get('port') ?? DEFAULTS.port,
    logLevel: get('logLevel') ?? DEFAULTS.logLevel,
    shutdownTimeoutMs: get('shutdownTimeoutMs') ?? DEFAULTS.shutdownTimeoutMs,
    device: get('device') ?? DEFAULTS.device,
    inferencePrecision: get('inferencePrecision'),
    chunkingStrategy: get('chunkingStrategy') ?? 'none',
    readyWhen: get('readyWhen') ?? 'all',
    cacheDir: get('cacheDir'),
    preload: get('preload') ?? 'all',
    modelTtlMs: get('modelTtlMs'),
    memoryBudgetBytes: get('memoryBudgetBytes'),
    workers: get('workers'),
    queueLength: get('queueLength') ?? DEFAULTS.queueLength,
    apiKeys: [...(apiKey === undefined ? [] : [apiKey]), ...(get('apiKeyFile') ?? [])],
    maxUploadBytes: Math.round((get('maxUploadMb') ?? DEFAULTS.maxUploadMb) * 1024 * 1024),
    maxAudioSeconds: get('maxAudioSeconds') ?? DEFAULTS.maxAudioSeconds,
    maxInputCharacters: get('maxInputChars') ?? DEFAULTS.maxInputChars,
    requestTimeoutMs: get('requestTimeoutMs') ?? DEFAULTS.requestTimeoutMs,
    transcriptionModel: get('transcriptionModel') ?? kubeAi?.transcriptionModel,
    speechModel: get('speechModel'),
    chatCompletion: { baseUrl: get('chatCompletionBaseUrl'), model: get('chatCompletionModel'), apiKey: get('chatCompletionApiKey') },
  };
}

/** The flags `serve` accepts, for the CLI parser and its help text. */
export const SERVE_FLAGS = [MODELS, ...Object.values(SETTINGS)].map((s) => ({ key: s.key, flag: s.flag, env: s.env }));
