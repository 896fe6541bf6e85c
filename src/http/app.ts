import { Router } from '@koa/router';
import Koa from 'koa';

import type { ServerConfig } from '../config/config.js';
import type { ModelRegistry } from '../engine/ModelRegistry.js';
import type { ModelResolver } from '../engine/ModelResolver.js';
import type { Logger } from '../log.js';
import { API_PREFIXES } from './dialect.js';
import { ApiError } from './errors.js';
import type { HttpMetrics } from './metrics.js';
import { apiKey } from './middleware/apiKey.js';
import { errorHandler } from './middleware/errorHandler.js';
import { httpMetrics } from './middleware/httpMetrics.js';
import { requestContext } from './middleware/requestContext.js';
import { shutdownGate } from './middleware/shutdownGate.js';
import { unknownUrl } from './middleware/unknownUrl.js';
import { chatRoutes } from './routes/chat.js';
import { healthRoute } from './routes/health.js';
import { metricsRoute } from './routes/metrics.js';
import { modelsRoute } from './routes/models.js';
import { speechRoutes } from './routes/speech.js';
import { transcriptionRoutes } from './routes/transcriptions.js';
import type { AppState } from './state.js';

export interface AppOptions {
  registry: ModelRegistry;
  resolver: ModelResolver;
  metrics: HttpMetrics;
  config: ServerConfig;
  logger: Logger;
  isShuttingDown?: () => boolean;
}

/** The Koa application, without listening: tests drive app.callback() or an ephemeral port. */
export function createApp({ registry, resolver, metrics, config, logger, isShuttingDown = () => false }: AppOptions): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true;
  app.on('error', (error: unknown) => logger.error({ err: error }, 'response stream error'));

  app.use(requestContext(logger));
  app.use(httpMetrics(metrics));
  app.use(shutdownGate(isShuttingDown));
  app.use(errorHandler());
  app.use(unknownUrl());
  app.use(apiKey(config.apiKeys));

  // One instance of each route for both prefixes (audio chat keeps its audio ids in one place); speech
  // reads its requests by the prefix's dialect.
  const sharedRoutes = [modelsRoute(registry), transcriptionRoutes({ resolver, config, metrics }), chatRoutes({ resolver, config, metrics })];
  const router = new Router<AppState>();
  router.use(healthRoute(registry, config.readyWhen, isShuttingDown).routes(), metricsRoute(metrics).routes());
  for (const { prefix, dialect } of API_PREFIXES) {
    const api = new Router<AppState>();
    for (const routes of [...sharedRoutes, speechRoutes({ resolver, config, metrics, dialect })]) api.use(routes.routes());
    router.use(prefix, api.routes());
  }
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => new ApiError(405, 'Method not allowed for this URL', 'invalid_request_error', 'method_not_allowed'),
      notImplemented: () => new ApiError(501, 'This HTTP method is not supported by the server', 'invalid_request_error', 'unsupported_method'),
    }),
  );
  return app;
}
