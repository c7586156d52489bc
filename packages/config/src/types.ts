import type { ParsedConfig, ParsedRoute } from './schema.js';

/** A route with its `from` URL taken apart, as every consumer needs it. */
export interface Route extends ParsedRoute {
  /** Stable id: `id`, else `name`, else the `from` URL. */
  key: string;
  /** Index in the config's `routes` list, for messages. */
  index: number;
  fromHost: string;
  /** `from` port if given, else 443 for https, 80 for http. */
  fromPort: number;
  fromScheme: string;
  /** `to` as a list (empty for pure tunnel routes). */
  toUrls: string[];
  isTunnel: boolean;
}

export interface Config extends Omit<ParsedConfig, 'routes'> {
  routes: Route[];
  /** Host of authenticate_service_url. */
  authenticateHost: string;
}

/** A config as loaded from a file: the values plus where they came from. */
export interface LoadedConfig {
  config: Config;
  /** File the config was read from (absolute). */
  file: string;
  /** Increases by one on every successful reload. */
  generation: number;
  /** SHA-256 of the file's text, to skip reloads that change nothing. */
  hash: string;
  warnings: string[];
  /** Maps a key path to its 1-based line in the file (for error messages of later stages). */
  lineOf(path: (string | number)[]): number | undefined;
}
