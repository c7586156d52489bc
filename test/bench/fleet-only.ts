// `node --conditions=development --import tsx test/bench/fleet-only.ts [tunnels]`: just the idle-tunnel fleet.
import { tempDir } from '../kit/index.js';
import { measureFleet } from './measure/fleet.js';

const tmp = tempDir('drawbridge-bench-fleet-');
try {
  console.log(
    JSON.stringify(await measureFleet(tmp.path, Number(process.argv[2] ?? 1000), console.log), null, 2),
  );
} finally {
  tmp.cleanup();
}
