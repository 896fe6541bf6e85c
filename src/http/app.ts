import { Router } from '@koa/router';
import Koa from 'koa';

import type { ModelRegistry } from '../engine/ModelRegistry.js';
import type { Logger } from '../log.js';
import { ApiError } from './errors.js';
import { errorHandler } from './middleware/errorHandler.js';
import { requestContext } from './middleware/requestContext.js';
import { shutdownGate } from './middleware/shutdownGate.js';
import { unknownUrl } from './middleware/unknownUrl.js';
import { healthRoute } from './routes/health.js';
import { modelsRoute } from './routes/models.js';

export interface AppState {
  requestId: string;
  log: Logger;
}

export interface AppOptions {
  registry: ModelRegistry;
  logger: Logger;
  isShuttingDown?: () => boolean;
}

/** The Koa application, without listening: tests drive app.callback() or an ephemeral port. */
export function createApp({ registry, logger, isShuttingDown = () => false }: AppOptions): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true;
  app.on('error', (error: unknown) => logger.error({ err: error }, 'response stream error'));

  app.use(requestContext(logger));
  app.use(shutdownGate(isShuttingDown));
  app.use(errorHandler());
  app.use(unknownUrl());

  const router = new Router<AppState>();
  router.use(healthRoute(registry).routes(), modelsRoute(registry).routes());
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
