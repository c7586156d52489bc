import type { Session, TunnelRecord } from '@drawbridge/protocol';
import { escapeHtml, renderPage } from './layout.js';

const when = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** The authenticate host's home: who you are, your claims, your session and your live tunnels. */
export function userInfoPage(opts: { nonce: string; session: Session; tunnels: TunnelRecord[] }): string {
  const { identity } = opts.session;
  const claims = Object.entries(identity.claims)
    .filter(([k]) => !['iat', 'exp', 'auth_time', 'at_hash', 'nonce', 'sid'].includes(k))
    .map(
      ([k, v]) =>
        `<tr><th>${escapeHtml(k)}</th><td class="mono">${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`,
    )
    .join('');
  const tunnels = opts.tunnels.length
    ? `<table><tr><th>Route</th><th>State</th><th>From</th><th>Since</th></tr>${opts.tunnels
        .map(
          (t) =>
            `<tr><td class="mono">${escapeHtml(t.routeFrom)}</td><td>${escapeHtml(t.state)}${t.reason ? ` (${escapeHtml(t.reason)})` : ''}</td><td class="mono">${escapeHtml(t.clientAddress)}</td><td>${escapeHtml(when(t.connectedAt))}</td></tr>`,
        )
        .join('')}</table>`
    : '<p class="lead">No active tunnels.</p>';
  return renderPage({
    title: 'User details',
    nonce: opts.nonce,
    body: `<h1>${escapeHtml(identity.name ?? identity.email)}</h1>
<p class="lead">Signed in to Drawbridge</p>
<dl>
<dt>Email</dt><dd>${escapeHtml(identity.email)}</dd>
<dt>Subject</dt><dd class="mono">${escapeHtml(identity.sub)}</dd>
<dt>Groups</dt><dd>${identity.groups.length ? escapeHtml(identity.groups.join(', ')) : '—'}</dd>
<dt>Session expires</dt><dd>${escapeHtml(when(opts.session.expiresAt))}</dd>
</dl>
<h2>Active tunnels</h2>${tunnels}
<h2>Claims</h2><table>${claims}</table>
<div class="actions"><a class="button secondary" href="/.pomerium/sign_out">Sign out</a></div>`,
  });
}

/** After sign-out (and the IdP's logout, when it has one). */
export function signedOutPage(nonce: string): string {
  return renderPage({
    title: 'Signed out',
    nonce,
    body: `<h1>Signed out</h1><p class="lead">Your Drawbridge session has ended. Tunnels opened with it will need a new sign-in.</p>
<div class="actions"><a class="button" href="/.pomerium/">Sign in again</a></div>`,
  });
}
