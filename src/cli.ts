#!/usr/bin/env node
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { loadConfig, SERVE_FLAGS, type RawSettings, type ServerConfig } from './config/config.js';
import { invalidParameter, OvSpeechError } from './errors.js';
import { startServer, type RunningServer } from './http/server.js';
import { createLogger } from './log.js';
import { importModel, ImportError, WEIGHT_FORMATS, type WeightFormat } from './models/import.js';
import { prepareDefaultModels, PreparationError } from './models/prepare.js';
import { ProgressDisplay } from './models/progress.js';
import { addon } from './native/binding.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = createRequire(import.meta.url)(path.join(packageRoot, 'package.json')) as { version: string };

const USAGE = `Usage:
  ovspeech serve [options]   serve every model folder under the models folder
  ovspeech prepare [DIR]     prepare the default model set (Whisper base, Piper joe voice, Silero VAD) into DIR (./models)
  ovspeech import SOURCE [options]
                             import a model folder or Hugging Face id into the models folder (see below)
  ovspeech devices           list the OpenVINO devices of this machine
  ovspeech --version         print the ovspeech and OpenVINO versions

Options of serve (flag, environment variable):
${SERVE_FLAGS.map((f) => `  ${f.flag.padEnd(20)} ${f.env}`).join('\n')}
  --config FILE        OVSPEECH_CONFIG (JSON file with the settings above, by their long names)

Options of import (SOURCE: a CTranslate2/faster-whisper Whisper folder, a Hugging Face Whisper or SpeechT5
checkpoint folder, a Piper voice folder or .onnx, or with internet a Hugging Face id):
  --models DIR         the models folder to import into (./models)
  --name ID            the model's id, its folder below DIR (the source's folder name or Hugging Face id)
  --weight-format F    ${WEIGHT_FORMATS.join(', ')} (fp32); a Piper voice is imported as it ships, in fp32
  --vocoder DIR|HF-ID  a SpeechT5 checkpoint's HiFi-GAN vocoder (such as microsoft/speecht5_hifigan)
  --force              replace the model folder if it exists
`;

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: Object.fromEntries([...SERVE_FLAGS.map((f) => f.flag.slice(2)), 'config'].map((flag) => [flag, { type: 'string' as const }])),
  });
  const flags: RawSettings = {};
  for (const f of [...SERVE_FLAGS, { key: 'config' as const, flag: '--config' }]) {
    const value = values[f.flag.slice(2)];
    if (typeof value === 'string') flags[f.key] = value;
  }
  const config = await prepareIfNeeded(loadConfig(flags, process.env, packageRoot));
  const logger = createLogger(config.logLevel);
  logger.info(
    { modelsDir: config.modelsDir, source: config.modelsSource },
    `ovspeech ${version} serving models from ${config.modelsDir} (${config.modelsSource})`,
  );
  // As POST /v1/models/rescan: the models folder again. Listened for before the server starts, since a
  // SIGHUP would otherwise end the process; one that comes while it starts rescans once it has.
  let server: RunningServer | undefined = undefined;
  let rescanOnceStarted = false;
  const rescan = (running: RunningServer) =>
    running.registry.rescan().then(
      ({ added, removed }) => logger.info({ added, removed }, `models folder rescanned: ${added.length} added, ${removed.length} removed`),
      (error: unknown) => logger.error({ err: error }, 'models folder rescan failed'),
    );
  process.on('SIGHUP', () => {
    if (server === undefined) rescanOnceStarted = true;
    else void rescan(server);
  });
  const running = await startServer(config, logger);
  server = running;
  if (rescanOnceStarted) void rescan(running);

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    void running.close().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/**
 * Serving the default ./models that does not exist yet: prepares it first (once; later starts find it),
 * or serves the bundled test models and says why when it cannot be prepared here.
 */
async function prepareIfNeeded(config: ServerConfig): Promise<ServerConfig> {
  if (config.prepareInto === undefined) return config;
  try {
    await prepareDefaultModels({ target: config.prepareInto, packageRoot, display: new ProgressDisplay(process.stderr) });
    return { ...config, modelsDir: config.prepareInto, modelsSource: 'default ./models, prepared now' };
  } catch (error) {
    if (!(error instanceof PreparationError)) throw error;
    return { ...config, modelsSource: `the bundled test models, as the default model set could not be prepared: ${error.message}` };
  }
}

async function prepare(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true });
  if (positionals.length > 1) throw new OvSpeechError(`prepare takes one folder, not ${positionals.length}\n\n${USAGE}`, 'INVALID_ARGUMENT');
  const target = path.resolve(positionals[0] ?? 'models');
  const started = Date.now();
  const { preparedNow, models } = await prepareDefaultModels({ target, packageRoot, display: new ProgressDisplay(process.stderr) });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`${preparedNow ? `prepared in ${seconds} s` : 'already prepared'}: ${models.map((id) => path.join(target, id)).join(', ')}\n`);
}

async function importCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      models: { type: 'string', default: 'models' },
      name: { type: 'string' },
      'weight-format': { type: 'string', default: 'fp32' },
      vocoder: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new OvSpeechError(`import takes one SOURCE, not ${positionals.length}\n\n${USAGE}`, 'INVALID_ARGUMENT');
  const weightFormat = values['weight-format'];
  if (!(WEIGHT_FORMATS as readonly string[]).includes(weightFormat))
    throw invalidParameter(`one of ${WEIGHT_FORMATS.join(', ')}`, '--weight-format', weightFormat);
  const started = Date.now();
  const display = new ProgressDisplay(process.stderr, 'import');
  try {
    const { id, folder } = await importModel({
      source: positionals[0]!,
      modelsDir: values.models,
      id: values.name,
      weightFormat: weightFormat as WeightFormat,
      vocoder: values.vocoder,
      force: values.force,
      packageRoot,
      display,
    });
    process.stdout.write(`imported ${id} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${folder}\n`);
  } catch (error) {
    if (error instanceof ImportError && error.log !== '') process.stderr.write(`${error.log}\n`);
    throw error;
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
    case '-v':
      process.stdout.write(`ovspeech ${version}\nOpenVINO ${addon.openvinoVersion}\n`);
      return;
    case 'devices':
      for (const device of await addon.availableDevices()) process.stdout.write(`${device.name}\t${device.fullName}\n`);
      return;
    case 'serve':
      return serve(rest);
    case 'prepare':
      return prepare(rest);
    case 'import':
      return importCommand(rest);
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new OvSpeechError(`Unknown command "${command}"\n\n${USAGE}`, 'INVALID_ARGUMENT');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`ovspeech: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof OvSpeechError && error.code === 'INVALID_ARGUMENT' ? 2 : 1);
});
