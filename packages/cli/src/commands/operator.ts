import { closeContext, createContext } from '@drawbridge/runtime';

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m`
      : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `drawbridge tunnels ls`, `drawbridge sessions ls|revoke`: read and act on the shared registry. */
export async function runOperator(
  kind: string,
  action: string,
  args: string[],
  configPath: string,
): Promise<number> {
  const ctx = await createContext({ configPath, name: 'drawbridge-cli' });
  try {
    const c = ctx.config.current().config;
    if (c.databroker_storage_type === 'memory') {
      console.error(
        'The registry is in memory inside the running gateway, so another process cannot see it.\n' +
          'Set databroker_storage_type: file (single node) or redis (distributed) to use operator commands.',
      );
      return 1;
    }
    const now = Date.now();
    if (kind === 'tunnels' && action === 'ls') {
      const tunnels = await ctx.registry.listTunnels();
      const rows = [['ID', 'ROUTE', 'IDENTITY', 'EDGE', 'STATE', 'AGE', 'REQUESTS']];
      for (const t of tunnels) {
        rows.push([
          t.id.slice(0, 8),
          t.routeFrom,
          t.identity.email,
          t.edgeId,
          t.state,
          age(now - t.connectedAt),
          String(t.requests),
        ]);
      }
      console.log(tunnels.length === 0 ? 'no tunnels' : table(rows));
      return 0;
    }
    if (kind === 'sessions' && action === 'ls') {
      const sessions = await ctx.registry.listSessions();
      const rows = [['ID', 'EMAIL', 'ORIGIN', 'AGE', 'EXPIRES IN']];
      for (const s of sessions)
        rows.push([s.id, s.identity.email, s.origin, age(now - s.createdAt), age(s.expiresAt - now)]);
      console.log(sessions.length === 0 ? 'no sessions' : table(rows));
      return 0;
    }
    if (kind === 'sessions' && action === 'revoke' && args[0]) {
      const target = args[0];
      const sessions = (await ctx.registry.listSessions()).filter(
        (s) => s.id === target || s.identity.email === target,
      );
      const bindings = await ctx.registry.listKeyBindings();
      for (const s of sessions) {
        await ctx.registry.deleteSession(s.id);
        for (const b of bindings) if (b.sessionId === s.id) await ctx.registry.unbindKey(b.fingerprint);
        await ctx.bus.publish('session.revoked', {
          sessionId: s.id,
          email: s.identity.email,
          reason: 'revoked by operator',
        });
      }
      console.log(
        sessions.length === 0
          ? `no session matches ${target}`
          : `revoked ${sessions.length} session(s) of ${target}`,
      );
      return sessions.length === 0 ? 1 : 0;
    }
    console.error(`unknown command: ${kind} ${action}`);
    return 2;
  } finally {
    await closeContext(ctx);
  }
}
