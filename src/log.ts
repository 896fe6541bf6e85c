import { pino, type Logger } from 'pino';

import type { LogLevel } from './config/config.js';

export type { Logger };

/** JSON lines on stdout, one per event, written synchronously so that none is lost or reordered at exit. */
export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'ovspeech', level }, pino.destination({ dest: 1, sync: true }));
}
