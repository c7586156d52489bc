import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@drawbridge/log';
import { closeContext, createContext, type ServiceContext } from '@drawbridge/runtime';

/** A free loopback port right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** A real ServiceContext (memory registry, in-process bus) over a config written to a temp dir. */
export async function contextFor(yaml: string): Promise<{ ctx: ServiceContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-dev-idp-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  const logger = createLogger({ name: 'test', level: process.env.TEST_LOG_LEVEL ?? 'warn', pretty: false });
  const ctx = await createContext({ configPath: join(dir, 'config.yaml'), name: 'dev-idp-test', logger });
  return {
    ctx,
    async close() {
      await closeContext(ctx);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const secret = (): string => randomBytes(32).toString('base64');
