import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ServerConfig } from '../config/config.js';
import { OvSpeechError } from '../errors.js';
import { ModelRegistry } from '../engine/ModelRegistry.js';
import { ModelResolver } from '../engine/ModelResolver.js';
import type { ComputeSummary } from '../native/AddonTypes.js';
import type { Logger } from '../log.js';
import { RealtimeServer } from '../realtime/realtimeServer.js';
import { ApiKeys } from './apiKeys.js';
import { createApp } from './app.js';
import { HttpMetrics } from './metrics.js';

export interface RunningServer {
  /** http://host:port of the bound socket. */
  readonly url: string;
  readonly registry: ModelRegistry;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then resolves. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Discovers the models, starts listening at once (/health says "loading"), and loads them. */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const registry = await ModelRegistry.discover(config.modelsDir);
  logger.info({ models: registry.list().map((m) => m.id) }, `found ${registry.list().length} model folder(s)`);
  const { preload } = config;
  const unknown = Array.isArray(preload) ? preload.filter((id) => registry.get(id) === undefined) : [];
  if (unknown.length > 0) {
    throw new OvSpeechError(
      `--preload names ${unknown.map((id) => `'${id}'`).join(', ')}, not among the model folders (${registry
        .list()
        .map((m) => m.id)
        .join(', ')})`,
      'INVALID_ARGUMENT',
      { param: 'preload' },
    );
  }

  if (config.requireTranscription && !registry.list().some((entry) => entry.kind === 'transcription')) {
    throw new OvSpeechError(
      `${config.modelsDir} (from ${config.modelsSource}) holds no Whisper model that ovspeech serves: it needs an OpenVINO export ` +
        '(a CTranslate2 or Hugging Face folder can be converted with `ovspeech import`)',
      'INVALID_ARGUMENT',
    );
  }

  let shuttingDown = false;
  // The first voice activity detector among the models serves every request that asks for one.
  const resolver = new ModelResolver(registry, { transcription: config.transcriptionModel, speech: config.speechModel, vad: undefined });
  // Read on /metrics only, once the realtime server below exists.
  const metrics: HttpMetrics = new HttpMetrics(registry, (): number => realtime.sessions);
  const app = createApp({ registry, resolver, metrics, config, logger, isShuttingDown: () => shuttingDown });
  const server = createServer(app.callback());
  const realtime: RealtimeServer = new RealtimeServer(server, { resolver, apiKeys: new ApiKeys(config.apiKeys), logger, metrics });
  const address = await listen(server, config.port, config.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url }, `listening on ${url}`);

  const workers = config.workers === undefined ? {} : { workers: config.workers };
  const precision = config.inferencePrecision === undefined ? {} : { inferencePrecision: config.inferencePrecision };
  const cache = config.cacheDir === undefined ? {} : { cacheDir: config.cacheDir };
  registry.unloadWhen({
    ...(config.modelTtlMs === undefined ? {} : { idleTtlMs: config.modelTtlMs }),
    ...(config.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: config.memoryBudgetBytes }),
  });
  void registry.load(
    { device: config.device, ...precision, ...cache, ...workers, maxQueued: config.queueLength },
    (entry) => {
      if (entry.state === 'failed') logger.error({ model: entry.id, reason: entry.error }, `model ${entry.id} failed to load`);
      else if (entry.loaded !== undefined) {
        const { engine } = entry.loaded;
        const workers = engine.stats().workers;
        logger.info(
          { model: entry.id, family: entry.family, workers, compute: engine.compute },
          `model ${entry.id} ready: ${describeCompute(engine.compute)}, ${workers} worker(s)`,
        );
      }
    },
    preload === 'all' ? undefined : (id) => preload !== 'none' && preload.includes(id),
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      shuttingDown = true;
      const forced = setTimeout(() => {
        logger.warn('shutdown timeout: closing the connections still open');
        realtime.terminate();
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      // Sessions finish the turns they committed, then close; HTTP requests in flight finish too.
      const sessionsClosed = realtime.close();
      server.close(() => {
        clearTimeout(forced);
        void sessionsClosed
          .then(() => registry.close())
          .then(resolve, (error: unknown) => {
            logger.error({ err: error }, 'a model did not close cleanly');
            resolve();
          });
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, registry, close };
}

/** "CPU, bf16, 2 threads; under load two lanes of 1 thread", as the start-up log says it. */
function describeCompute({ device, precision, threads, laneThreads }: ComputeSummary): string {
  const parts = [device, ...(precision ? [precision] : []), ...(threads > 0 ? [`${threads} thread(s)`] : [])];
  const lanes = laneThreads > 0 ? `; under load two lanes of ${laneThreads} thread(s)` : '';
  return parts.join(', ') + lanes;
}
