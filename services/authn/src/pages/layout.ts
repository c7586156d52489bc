import { randomBytes } from 'node:crypto';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A fresh CSP nonce for one response's inline style and script. */
export function cspNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Headers every authn response carries: nothing may frame it (clickjacking the Authorize button is
 * the attack), only its own nonce'd inline style/script run, forms post back to itself only.
 */
export function securityHeaders(nonce: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own form posts.
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}

const STYLE = `
:root{--fg:#1b2130;--muted:#5d6679;--line:#e3e6ec;--accent:#3446b4;--accent-fg:#fff;--bad:#a3261b;--bg:#f3f4f7}
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px;font-weight:700;letter-spacing:.02em;display:flex;align-items:center;gap:10px}
header .mark{display:inline-block;width:22px;height:22px;border-radius:5px;background:var(--accent)}
main{max-width:560px;margin:4vh auto 8vh;background:#fff;border:1px solid var(--line);border-radius:12px;padding:32px 36px;box-shadow:0 2px 14px rgba(20,30,60,.06)}
h1{font-size:1.45rem;margin:0 0 6px}
p.lead{color:var(--muted);margin:0 0 22px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:8px 18px;margin:0 0 24px;font-size:.95rem}
dt{color:var(--muted)}dd{margin:0;word-break:break-all}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88rem}
.actions{display:flex;gap:12px;margin-top:20px}
button,.button{appearance:none;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);padding:10px 20px;border-radius:7px;font-size:1rem;font-weight:600;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--fg);border-color:#c5cad5}
button:disabled{opacity:.45;cursor:not-allowed}
label.check{display:flex;gap:8px;align-items:center;font-size:.95rem}
.notice{padding:12px 14px;border-radius:8px;background:#eef1fb;margin:0 0 18px}
.error{background:#fbeceb;color:var(--bad)}
.code{color:var(--muted);font-size:.8rem;margin-top:24px}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:8px 0 20px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;word-break:break-all}
h2{font-size:1.05rem;margin:22px 0 6px}
footer{text-align:center;color:var(--muted);font-size:.78rem;margin-bottom:24px}`;

/** A complete page: Drawbridge header, the body, an optional inline script, no external assets. */
export function renderPage(opts: { title: string; nonce: string; body: string; script?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(opts.title)} · Drawbridge</title>
<style nonce="${opts.nonce}">${STYLE}</style></head>
<body><header><span class="mark" aria-hidden="true"></span>Drawbridge</header>
<main>${opts.body}</main>
<footer>Drawbridge identity-aware gateway</footer>
${opts.script ? `<script nonce="${opts.nonce}">${opts.script}</script>` : ''}
</body></html>`;
}

/** A page for something that went wrong, with its stable code for support. */
export function errorPage(opts: {
  nonce: string;
  title: string;
  message: string;
  code: string;
  status: number;
}): string {
  return renderPage({
    title: opts.title,
    nonce: opts.nonce,
    body: `<h1>${escapeHtml(opts.title)}</h1>
<p class="notice error" role="alert">${escapeHtml(opts.message)}</p>
<p class="code">Error ${opts.status} · <span class="mono">${escapeHtml(opts.code)}</span></p>`,
  });
}
