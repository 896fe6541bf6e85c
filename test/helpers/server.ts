import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadConfig, type ServerConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { waitFor } from './waitFor.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A real ovspeech server on an ephemeral loopback port, with the defaults `serve` has. */
export async function startTestServer(modelsDir: string, overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config: ServerConfig = {
    ...loadConfig({ models: modelsDir, host: '127.0.0.1', port: '0', logLevel: 'silent', shutdownTimeout: '5' }, {}, packageRoot),
    ...overrides,
  };
  return startServer(config, createLogger(config.logLevel));
}

/** Polls until no model is loading. */
export async function waitForModels(server: RunningServer): Promise<void> {
  await waitFor(() => !server.registry.list().some((m) => m.state === 'loading'), 'the models to load', 60_000, 20);
}
