import type { Identity, PendingSignin } from '@drawbridge/protocol';
import { escapeHtml, renderPage } from '../pages/layout.js';

/** Ticks the "expires in" line and disables Authorize when the code lapses. */
const COUNTDOWN = `(function(){var el=document.getElementById('expires');if(!el)return;var end=Number(el.dataset.expiresAt);
function tick(){var s=Math.max(0,Math.round((end-Date.now())/1000));
if(s<=0){el.textContent='expired';var b=document.getElementById('authorize');if(b)b.disabled=true;return;}
var m=Math.floor(s/60),r=s%60;el.textContent=(m>0?m+' min ':'')+r+' s';setTimeout(tick,1000);}tick();})();`;

/** The **Verify Sign In** page: who, what, from where, until when; Authorize or Deny. */
export function verifyPage(opts: {
  nonce: string;
  identity: Identity;
  signin: PendingSignin;
  csrfToken: string;
  action: string;
}): string {
  const { identity, signin } = opts;
  const requested = new Date(signin.createdAt)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const secondsLeft = Math.max(0, Math.round((signin.expiresAt - Date.now()) / 1000));
  return renderPage({
    title: 'Verify Sign In',
    nonce: opts.nonce,
    script: COUNTDOWN,
    body: `<h1>Verify Sign In</h1>
<p class="lead">A program is asking to act as you. Authorize it only if you started this sign-in yourself.</p>
<dl>
<dt>Signed in as</dt><dd>${escapeHtml(identity.name ? `${identity.name} <${identity.email}>` : identity.email)}</dd>
<dt>Protocol</dt><dd>SSH reverse tunnel</dd>
<dt>SSH user</dt><dd class="mono">${escapeHtml(signin.sshUsername)}</dd>
<dt>Key fingerprint</dt><dd class="mono">${escapeHtml(signin.keyFingerprint ?? 'no key offered')}</dd>
<dt>Client address</dt><dd class="mono">${escapeHtml(signin.clientAddress)}</dd>
<dt>Requested at</dt><dd>${escapeHtml(requested)}</dd>
<dt>Expires in</dt><dd><span id="expires" data-expires-at="${signin.expiresAt}">${Math.floor(secondsLeft / 60)} min ${secondsLeft % 60} s</span></dd>
</dl>
<form method="post" action="${escapeHtml(opts.action)}">
<input type="hidden" name="user_code" value="${escapeHtml(signin.userCode)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(opts.csrfToken)}">
${signin.keyFingerprint ? '<label class="check"><input type="checkbox" name="remember" value="on" checked> Remember this key (later sign-ins with it skip this page while your session lasts)</label>' : ''}
<div class="actions">
<button type="submit" name="decision" value="authorize" id="authorize">Authorize</button>
<button type="submit" name="decision" value="deny" class="secondary" id="deny">Deny</button>
</div>
</form>`,
  });
}

/** What the browser sees after deciding. */
export function decidedPage(opts: { nonce: string; approved: boolean; email: string }): string {
  return renderPage({
    title: opts.approved ? 'Sign-in authorized' : 'Sign-in denied',
    nonce: opts.nonce,
    body: opts.approved
      ? `<h1>Sign-in authorized</h1><p class="lead">The SSH client is now signed in as ${escapeHtml(opts.email)}. You can close this tab and return to your terminal.</p>`
      : `<h1>Sign-in denied</h1><p class="lead">The SSH client was refused. If you did not start this sign-in, someone may have sent you the link; nothing was granted.</p>`,
  });
}
