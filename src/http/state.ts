import type { Logger } from '../log.js';

/** What every request carries through the middleware and routes: its id and its logger. */
export interface AppState {
  requestId: string;
  log: Logger;
}
