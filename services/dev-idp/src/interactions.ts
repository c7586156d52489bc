/// <reference path="./oidc-provider.d.ts" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@drawbridge/log';
import type { Provider } from 'oidc-provider';
import type { DevIdpSettings } from './options.js';
import { loginPage } from './pages.js';
import { verifyPassword } from './password.js';

const MAX_FORM_BYTES = 16 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    // No form-action: browsers apply it to the redirects after the POST, and those go to the relying party.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(html);
}

/**
 * Serves `/interaction/<uid>` (the login form) and `/interaction/<uid>/login` (its POST).
 * Returns false for any other path so the caller hands the request to oidc-provider.
 */
export async function handleInteraction(
  provider: Provider,
  settings: DevIdpSettings,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(path);
  if (!m) return false;
  const uid = m[1] as string;
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    sendHtml(
      res,
      400,
      loginPage({ action: '#', error: 'This sign-in request has expired. Go back and start again.' }),
    );
    return true;
  }
  const clientId = String(details.params.client_id ?? '');
  const action = `/interaction/${uid}/login`;

  if (details.prompt.name === 'consent') {
    // Only reached when loadExistingGrant did not cover the request: grant what was asked, no screen.
    const accountId = details.session?.accountId;
    if (!accountId) {
      sendHtml(res, 400, loginPage({ action, clientId, error: 'No signed-in account for this request.' }));
      return true;
    }
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const g = grant ?? new provider.Grant({ clientId, accountId });
    g.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await g.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return true;
  }

  if (req.method === 'GET' && !m[2]) {
    sendHtml(res, 200, loginPage({ action, clientId }));
    return true;
  }
  if (req.method !== 'POST' || !m[2]) {
    res.writeHead(405, { allow: 'GET, POST' }).end();
    return true;
  }
  const form = await readForm(req);
  const email = (form.get('email') ?? '').trim().toLowerCase();
  const password = form.get('password') ?? '';
  const user = settings.users.find((u) => u.email === email);
  const ok = user ? await verifyPassword(password, user.passwordHash) : false;
  if (!user || !ok) {
    logger.info({ email }, 'dev IdP sign-in refused');
    sendHtml(res, 401, loginPage({ action, clientId, email, error: 'Wrong email or password.' }));
    return true;
  }
  logger.info({ email }, 'dev IdP sign-in');
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.email } },
    { mergeWithLastSubmission: false },
  );
  return true;
}
