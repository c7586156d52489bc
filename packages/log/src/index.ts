export type { Logger, LoggerOptions } from './logger.js';
export { createAccessLogger, createLogger, REDACT_PATHS } from './logger.js';
