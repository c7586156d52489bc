import { ConfigError, loadConfigFile } from '@drawbridge/config';

/** `drawbridge config check FILE`: validates and prints a summary of routes. */
export function runConfigCheck(path: string): number {
  try {
    const loaded = loadConfigFile(path);
    const c = loaded.config;
    for (const w of loaded.warnings) console.warn(`warning: ${w}`);
    console.log(`${loaded.file}: OK`);
    console.log(`  https ${c.address}   ssh ${c.ssh_address}   authenticate ${c.authenticate_service_url}`);
    console.log(
      `  registry ${c.databroker_storage_type}   bus ${c.nats_url ?? 'in-process'}   tunnels ${c.runtime_flags.ssh_upstream_tunnel ? 'enabled' : 'DISABLED (runtime_flags.ssh_upstream_tunnel)'}`,
    );
    console.log(`  ${c.routes.length} route(s):`);
    for (const r of c.routes) {
      const to = r.isTunnel ? 'ssh -R tunnel' : r.toUrls.join(', ');
      const ssh = r.isTunnel
        ? r.upstream_tunnel?.ssh_policy === undefined
          ? ', no ssh_policy (nobody may publish)'
          : ', ssh_policy set'
        : '';
      console.log(`    ${r.from} -> ${to}${r.policy === undefined ? ', no policy' : ', policy set'}${ssh}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
