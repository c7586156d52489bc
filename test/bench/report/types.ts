import type { MachineInfo } from '../lib/machine.js';
import type { BenchOptions } from '../options.js';

/** One timed event (sign-in, config change), per Drawbridge mode. */
export interface Timing {
  what: string;
  target: string;
  /** Median ms over the attempts; undefined when it could not be measured. */
  ms?: number;
  samples: number[];
  note?: string;
}

export interface FleetResult {
  attempted: number;
  held: number;
  /** Attached tunnels the registry reported. */
  registered: number;
  connectSeconds: number;
  rssBaselineMiB: number;
  rssPerTunnelKiB: number;
  heapPerTunnelKiB: number;
  /** First few distinct failure messages. */
  failures: string[];
  method: string;
}

export interface ProfileResult {
  file: string;
  foldedFile: string;
  sampledMs: number;
  requests: number;
  top: { name: string; where: string; selfPct: number }[];
  byArea: { area: string; selfPct: number }[];
}

export interface PolicyResult {
  seed: number;
  fiftyRules: number;
}

export interface SoakResult {
  minutes: number;
  cycles: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssMaxMiB: number;
  fdsStart: number;
  fdsEnd: number;
  tunnelsLeft: number;
  failures: string[];
}

/** Everything the bench measured in one run; the Markdown report is rendered from this. */
export interface BenchReport {
  options: BenchOptions;
  machine: MachineInfo;
  startedAt: string;
  durationSeconds: number;
  loadGenerator: string;
  labels: Record<string, string>;
  medians: Record<string, Record<string, number>>;
  timings: Timing[];
  fleet?: FleetResult;
  policy?: PolicyResult;
  profile?: ProfileResult;
  soak?: SoakResult;
  /** Parts that could not run, with why. */
  notes: string[];
}
