import type { Bus } from '@drawbridge/bus';
import type { ConfigSource } from '@drawbridge/config';
import type { Logger } from '@drawbridge/log';
import type { Registry } from '@drawbridge/registry';

/** Everything a service is built from; all-in-one shares one context between services. */
export interface ServiceContext {
  config: ConfigSource;
  logger: Logger;
  registry: Registry;
  bus: Bus;
  /** Unique per process: `<host>-<pid>-<random>`; edges use it as their edge id. */
  instanceId: string;
  now: () => number;
}

/** A running part of Drawbridge: ssh-edge, authn, authz, proxy-edge or dev-idp. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  /** Stop taking new work, let in-flight work finish up to `graceMs`, then close. */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /** True when the service and everything it depends on answer. */
  ready(): Promise<boolean>;
  /** Lines to print at start-up (addresses, what to do next). */
  describe?(): string[];
}
