export { parseDuration } from './duration.js';
export { ENV_OVERRIDES } from './env.js';
export {
  ConfigError,
  type ConfigIssue,
  ERR_CONFIG_INVALID,
  ERR_CONFIG_UNREADABLE,
  formatIssues,
} from './errors.js';
export {
  DEFAULT_CONFIG_FILE_NAME,
  formatPath,
  loadConfigFile,
  parseConfigText,
  resolveConfigFile,
} from './load.js';
export { configSchema, type ParsedConfig, type ParsedRoute, type RawConfig } from './schema.js';
export type { Config, LoadedConfig, Route } from './types.js';
export {
  type ConfigListener,
  type ConfigSource,
  DEFAULT_RELOAD_DEBOUNCE_MS,
  staticConfig,
  watchConfig,
} from './watch.js';
