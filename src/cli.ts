#!/usr/bin/env node
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { loadConfig, SERVE_FLAGS, type RawSettings } from './config/config.js';
import { OvSpeechError } from './errors.js';
import { startServer } from './http/server.js';
import { createLogger } from './log.js';
import { addon } from './native/binding.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = createRequire(import.meta.url)(path.join(packageRoot, 'package.json')) as { version: string };

const USAGE = `Usage:
  ovspeech serve [options]   serve every model folder under the models folder
  ovspeech devices           list the OpenVINO devices of this machine
  ovspeech --version         print the ovspeech and OpenVINO versions

Options of serve (flag, environment variable):
${SERVE_FLAGS.map((f) => `  ${f.flag.padEnd(20)} ${f.env}`).join('\n')}
  --config FILE        OVSPEECH_CONFIG (JSON file with the settings above, by their long names)
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
  const config = loadConfig(flags, process.env, packageRoot);
  const logger = createLogger(config.logLevel);
  logger.info(
    { modelsDir: config.modelsDir, source: config.modelsSource },
    `ovspeech ${version} serving models from ${config.modelsDir} (${config.modelsSource})`,
  );
  const server = await startServer(config, logger);

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    void server.close().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
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
