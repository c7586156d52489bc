import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createStore } from './create.js';
import { ERR_REGISTRY_UNAVAILABLE } from './errors.js';
import { FILE_STORE_NAME, FileStore } from './file.js';
import { registryContract } from './testing/contract.js';

registryContract(
  'file',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drawbridge-file-store-'));
    let store = await FileStore.open({ dir });
    return {
      store: () => store,
      peer: async () => store,
      persistent: true,
      async restart() {
        await store.close();
        store = await FileStore.open({ dir });
      },
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { restart: true },
);

test('createStore opens a file store from a file:/// connection string and writes behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-file-store-'));
  try {
    const store = await createStore({ type: 'file', connection: pathToFileURL(dir).href });
    assert.equal(store.kind, 'file');
    await store.set('drawbridge:session:a', '{"a":1}');
    await new Promise((r) => setTimeout(r, 200));
    const onDisk = JSON.parse(readFileSync(join(dir, FILE_STORE_NAME), 'utf8')) as { entries: unknown[] };
    assert.deepEqual(onDisk.entries, [['drawbridge:session:a', '{"a":1}', null]]);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refuses to start over a file that is not a registry file instead of forgetting it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drawbridge-file-store-'));
  try {
    writeFileSync(join(dir, FILE_STORE_NAME), 'not json');
    await assert.rejects(FileStore.open({ dir }), { code: ERR_REGISTRY_UNAVAILABLE });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
