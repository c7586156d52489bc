/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:380px;margin:10vh auto;background:#fff;border-radius:10px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:32px}
h1{font-size:1.35rem;margin:0 0 4px}p.sub{color:#5b6475;margin:0 0 24px;font-size:.9rem}
label{display:block;font-size:.85rem;font-weight:600;margin:14px 0 4px}
input{width:100%;box-sizing:border-box;padding:10px 12px;border:1px solid #c9ced8;border-radius:6px;font-size:1rem}
button{margin-top:22px;width:100%;padding:11px;border:0;border-radius:6px;background:#3949ab;color:#fff;font-size:1rem;font-weight:600;cursor:pointer}
.err{background:#fdecea;color:#8a1c13;padding:10px 12px;border-radius:6px;font-size:.9rem}
footer{margin-top:24px;font-size:.75rem;color:#8a93a5;text-align:center}`;

/** The whole page around `body`: no external assets, so it renders offline. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Drawbridge dev IdP</title><style>${STYLE}</style></head>
<body><main>${body}<footer>Drawbridge development identity provider — not for production</footer></main></body></html>`;
}

/** The email + password form an interaction shows. */
export function loginPage(opts: {
  action: string;
  email?: string;
  error?: string;
  clientId?: string;
}): string {
  return page(
    'Sign in',
    `<h1>Sign in</h1><p class="sub">to continue to ${escapeHtml(opts.clientId ?? 'Drawbridge')}</p>
${opts.error ? `<p class="err" role="alert">${escapeHtml(opts.error)}</p>` : ''}
<form method="post" action="${escapeHtml(opts.action)}" autocomplete="on">
<label for="email">Email</label><input id="email" name="email" type="email" required autofocus value="${escapeHtml(opts.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button></form>`,
  );
}

/** oidc-provider's logout confirmation, restyled; `form` is the provider's hidden form markup. */
export function logoutPage(form: string, host: string): string {
  return page(
    'Sign out',
    `<h1>Sign out</h1><p class="sub">End your session at ${escapeHtml(host)}?</p>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout" autofocus>Yes, sign me out</button>`,
  );
}

/** Shown after a completed RP-initiated logout with no redirect back. */
export function signedOutPage(): string {
  return page('Signed out', '<h1>Signed out</h1><p class="sub">You have been signed out of the dev IdP.</p>');
}

/** An error oidc-provider reports to the browser (bad client, bad redirect URI, …). */
export function errorPage(out: Record<string, unknown>): string {
  const rows = Object.entries(out)
    .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(String(v))}</p>`)
    .join('');
  return page('Error', `<h1>Something went wrong</h1>${rows}`);
}
