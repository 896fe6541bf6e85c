import { pino, type Logger } from 'pino';

import type { LogLevel } from './config/config.js';

export type { Logger };

/** JSON lines on stdout, one per event. */
export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'ovspeech', level });
}
