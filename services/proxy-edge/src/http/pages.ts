import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { escapeHtml } from '../lib/escape-html.js';

/** Any response proxy-edge writes to: HTTP/1.1 or HTTP/2 compatibility API. */
export type AnyResponse = ServerResponse | Http2ServerResponse;

export interface PageContent {
  status: number;
  /** Stable code for API clients, e.g. `DRAWBRIDGE_NO_HEALTHY_UPSTREAM`. */
  code: string;
  title: string;
  /** One sentence: what happened. */
  message: string;
  /** Further facts as label/value rows (user, route, reason). */
  facts?: Array<[string, string]>;
  /** What the visitor can do next. */
  actions?: Array<{ label: string; href: string }>;
  /** Extra response headers (e.g. Set-Cookie). */
  headers?: Record<string, string>;
}

const STYLE = `*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2433}
main{background:#fff;max-width:34rem;width:calc(100% - 2rem);padding:2rem 2.25rem;border-radius:12px;
box-shadow:0 1px 3px rgba(16,24,40,.1),0 8px 24px rgba(16,24,40,.06)}
.brand{display:flex;align-items:center;gap:.5rem;font-weight:600;color:#4b5565;font-size:.9rem;letter-spacing:.02em}
.brand svg{width:20px;height:20px}.status{font-size:.8rem;color:#8a94a6;margin-top:1.5rem}
h1{font-size:1.35rem;margin:.25rem 0 .75rem}p{margin:0 0 1rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;
margin:0 0 1.25rem;font-size:.92rem}dt{color:#6b7385}dd{margin:0;word-break:break-all}
.actions{display:flex;gap:.75rem;flex-wrap:wrap}a.button{display:inline-block;padding:.55rem 1rem;border-radius:8px;
background:#3b5bdb;color:#fff;text-decoration:none;font-weight:500}a.button.secondary{background:#eef1f6;color:#1d2433}
@media (prefers-color-scheme:dark){body{background:#12151c;color:#e6e9ef}main{background:#1b1f29;box-shadow:none}
.brand{color:#aab2c0}dt{color:#8a94a6}a.button.secondary{background:#2a3040;color:#e6e9ef}}`;

const LOGO =
  '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M3 21V9l9-6 9 6v12"/><path d="M9 21v-6a3 3 0 0 1 6 0v6"/></svg>';

/** A complete, self-contained HTML page (inline CSS, no external assets). */
export function renderPage(p: PageContent): string {
  const facts = p.facts?.length
    ? `<dl>${p.facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`
    : '';
  const actions = p.actions?.length
    ? `<div class="actions">${p.actions
        .map(
          (a, i) =>
            `<a class="button${i > 0 ? ' secondary' : ''}" href="${escapeHtml(a.href)}">${escapeHtml(a.label)}</a>`,
        )
        .join('')}</div>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(p.title)} · Drawbridge</title><style>${STYLE}</style></head><body><main>
<div class="brand">${LOGO}Drawbridge</div><h1>${escapeHtml(p.title)}</h1><p>${escapeHtml(p.message)}</p>${facts}${actions}
<div class="status">${p.status} · ${escapeHtml(p.code)}</div></main></body></html>`;
}

/** True when the client asked for HTML (a browser navigation), so it gets pages and redirects. */
export function wantsHtml(accept: string | undefined): boolean {
  return accept?.includes('text/html') === true;
}

/** Writes `p` as an HTML page for browsers, JSON for clients asking for it, short text otherwise. */
export function sendPage(res: AnyResponse, accept: string | undefined, p: PageContent): void {
  let body: string;
  let type: string;
  if (wantsHtml(accept)) {
    body = renderPage(p);
    type = 'text/html; charset=utf-8';
  } else if (accept?.includes('application/json')) {
    body = JSON.stringify({ error: p.code, status: p.status, message: p.message });
    type = 'application/json';
  } else {
    body = `${p.status} ${p.title}: ${p.message}\n`;
    type = 'text/plain; charset=utf-8';
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(p.status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...p.headers,
  });
  res.end(body);
}
