// Re-renders BENCHMARKS.md from the last run's test/artifacts/bench/report.json (no measuring).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/child.js';
import { renderMarkdown } from './report/markdown.js';
import type { BenchReport } from './report/types.js';

const report = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test/artifacts/bench/report.json'), 'utf8'),
) as BenchReport;
writeFileSync(join(REPO_ROOT, process.argv[2] ?? 'BENCHMARKS.md'), renderMarkdown(report));
