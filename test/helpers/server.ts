import type { ServerConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';

/** A real ovspeech server on an ephemeral loopback port. */
export async function startTestServer(modelsDir: string, overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config: ServerConfig = {
    modelsDir,
    modelsSource: 'test',
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    shutdownTimeoutMs: 5000,
    device: 'CPU',
    workers: 1,
    ...overrides,
  };
  return startServer(config, createLogger(config.logLevel));
}

/** Polls until no model is loading. */
export async function waitForModels(server: RunningServer, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (server.registry.list().some((m) => m.state === 'loading')) {
    if (Date.now() > deadline) throw new Error('models still loading');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
