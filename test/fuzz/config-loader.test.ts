// Properties over the config loader: whatever text or object it is handed, it either returns a
// config or throws ConfigError (`DRAWBRIDGE_CONFIG_*`) — never a TypeError or a YAML library error.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { initDevSetup } from '@drawbridge/cli';
import { ConfigError, parseConfigText } from '@drawbridge/config';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { tempDir } from '../kit/index.js';

const tmp = tempDir('drawbridge-fuzz-config-');
const setup = initDevSetup({
  dir: join(tmp.path, 'gw'),
  httpsPort: 8443,
  sshPort: 2222,
  idpPort: 5556,
  bindHost: '127.0.0.1',
});
const SEED_TEXT = readFileSync(setup.configFile, 'utf8');
const FILE = setup.configFile;
process.on('exit', () => tmp.cleanup());

/** Runs the loader and fails the property on anything but a typed ConfigError. */
function loadsOrConfigError(text: string): boolean {
  try {
    parseConfigText(text, FILE, { env: {} });
    return true;
  } catch (err) {
    if (err instanceof ConfigError && /^DRAWBRIDGE_CONFIG_/.test(err.code) && err.issues.length > 0)
      return true;
    throw new Error(`not a ConfigError: ${(err as Error)?.stack ?? String(err)}\n--- input ---\n${text}`);
  }
}

test('the seed config loads (the properties below start from a valid document)', () => {
  assert.ok(loadsOrConfigError(SEED_TEXT));
  assert.doesNotThrow(() => parseConfigText(SEED_TEXT, FILE, { env: {} }));
});

const YAMLISH = fc.constantFrom(
  ':',
  ' ',
  '  ',
  '\n',
  '- ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '#',
  '&a ',
  '*a',
  '!!str ',
  '!!binary ',
  '<<: ',
  '|',
  '>',
  '? ',
  '---\n',
  '...\n',
  '\t',
  'null',
  '~',
  'true',
  '0x1F',
  '1e400',
  '-.inf',
  '.nan',
  'routes',
  'from',
  'policy',
  'allow',
  'and',
  'email',
  'is',
  'upstream_tunnel',
  'ssh_policy',
  'https://',
  'tcp+https://',
  '__proto__',
  'constructor',
  'toString',
  'shared_secret',
  'ssh_drain_grace_period',
  '30s',
  '%',
  '\u0000',
  '\uFEFF',
);

test('arbitrary YAML-ish text never throws anything but ConfigError', { timeout: 60_000 }, () => {
  const text = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.array(YAMLISH, { maxLength: 60 }).map((a) => a.join('')),
    // A line of the seed replaced or cut: most real mistakes are small edits of a good file.
    fc.tuple(fc.nat(), fc.array(YAMLISH, { maxLength: 8 })).map(([n, ins]) => {
      const lines = SEED_TEXT.split('\n');
      lines[n % lines.length] = ins.join('');
      return lines.join('\n');
    }),
    fc.nat({ max: SEED_TEXT.length }).map((n) => SEED_TEXT.slice(0, n)),
  );
  fc.assert(fc.property(text, loadsOrConfigError), { numRuns: 2500 });
});

const seedObject = (): Record<string, unknown> => parse(SEED_TEXT) as Record<string, unknown>;

/** A JSON-ish value: what a key can wrongly hold. */
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      'https://x.localhost',
      'tcp+https://x.localhost:22',
      '30s',
      '-1s',
      '*',
      '',
      'alice@example.com',
    ),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom(
        'allow',
        'deny',
        'and',
        'or',
        'not',
        'email',
        'is',
        'from',
        'to',
        'policy',
        '__proto__',
        'x',
      ),
      tie('value'),
      { maxKeys: 3 },
    ),
  ),
})).value;

/** Picks a path into the object (any depth) and replaces, deletes or adds there. */
function mutate(obj: unknown, steps: number[], op: number, value: unknown): unknown {
  if (steps.length === 0 || obj === null || typeof obj !== 'object') return op % 3 === 1 ? undefined : value;
  const keys = Array.isArray(obj) ? obj.map((_, i) => i) : Object.keys(obj);
  if (keys.length === 0) return value;
  const k = keys[(steps[0] as number) % keys.length] as string | number;
  const copy = (Array.isArray(obj) ? [...obj] : { ...(obj as object) }) as Record<string | number, unknown>;
  const next = mutate((obj as Record<string | number, unknown>)[k], steps.slice(1), op, value);
  if (next === undefined) delete copy[k];
  else copy[k] = next;
  if (op % 3 === 2 && !Array.isArray(copy)) copy[`extra_${steps.length}`] = value;
  return copy;
}

test('JSON objects mutated from the seed never throw anything but ConfigError', { timeout: 60_000 }, () => {
  const seed = seedObject();
  assert.ok(Object.keys(seed).length > 5);
  fc.assert(
    fc.property(
      fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
      fc.nat(),
      anyValue,
      fc.boolean(),
      (steps, op, value, asJson) => {
        const obj = mutate(seed, steps, op, value);
        // YAML is a superset of JSON: both spellings go through the same loader.
        const text = asJson ? JSON.stringify(obj) : stringify(obj);
        return loadsOrConfigError(text ?? '');
      },
    ),
    { numRuns: 2500 },
  );
});
