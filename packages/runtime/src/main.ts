import { createContext } from './context.js';
import { runServices } from './run.js';
import type { Service, ServiceContext } from './service.js';

/** `--config PATH`, `--config=PATH` or DRAWBRIDGE_CONFIG; undefined when none is given. */
export function configPathFromArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const i = argv.indexOf('--config');
  const fromArgs =
    i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  return fromArgs ?? env.DRAWBRIDGE_CONFIG;
}

/**
 * The whole of a service's `main.ts`: `node services/<name>/dist/main.js --config <file|dir>`.
 * Config and start-up errors are printed as they are (they say what to fix) and exit non-zero.
 */
export async function runServiceMain(
  name: string,
  build: (ctx: ServiceContext) => Service | Promise<Service>,
): Promise<void> {
  const configPath = configPathFromArgs(process.argv.slice(2));
  if (!configPath) {
    process.stderr.write(`usage: ${name} --config <config.yaml or directory> (or set DRAWBRIDGE_CONFIG)\n`);
    process.exit(2);
  }
  try {
    const ctx = await createContext({ configPath, name });
    const service = await build(ctx);
    await runServices(ctx, [service]);
    for (const line of service.describe?.() ?? []) ctx.logger.info(line);
  } catch (err) {
    const e = err as Error & { code?: string };
    process.stderr.write(`${name}: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
    process.exit(e.code?.startsWith('DRAWBRIDGE_CONFIG') ? 2 : 1);
  }
}
