import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
// authn's own test stack: authn in-process over a real context, the real dev IdP as its own process.
import { type Stack, startStack, USER } from '../../services/authn/src/testing/stack.js';
import { launchBrowser } from '../kit/browser.js';

let stack: Stack;
let browser: Browser;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('Chromium: sign-in URL → dev IdP login → Verify Sign In → Authorize approves; a second code → Deny denies', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });

  const first = await stack.pendingSignin();
  await page.goto(first.url);
  assert.ok(page.url().startsWith(stack.issuer), `expected the dev IdP, got ${page.url()}`);
  await page.fill('#email', USER.email);
  await page.fill('#password', USER.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('text=Verify Sign In');
  assert.ok(page.url().startsWith(`${stack.authUrl}/.pomerium/sign_in?user_code=`));
  const text = (await page.textContent('main')) ?? '';
  assert.ok(text.includes(USER.email));
  assert.ok(text.includes('SSH reverse tunnel'));
  assert.ok(text.includes(first.signin.keyFingerprint as string));
  assert.ok(text.includes('192.0.2.7:52044'));
  assert.equal(await page.isChecked('input[name=remember]'), true);
  // The countdown is live: the inline script (allowed by the CSP nonce) rewrites it every second.
  const t0 = await page.textContent('#expires');
  await new Promise((r) => setTimeout(r, 1500));
  assert.notEqual(await page.textContent('#expires'), t0);
  await page.click('#authorize');
  await page.waitForSelector('text=Sign-in authorized');
  const approved = await stack.ctx.registry.getSignin(first.signin.userCode);
  assert.equal(approved?.status, 'approved');
  assert.equal(approved?.identity?.email, USER.email);
  assert.match(approved?.certificate ?? '', /^ssh-ed25519-cert-v01@openssh.com /);

  const second = await stack.pendingSignin();
  await page.goto(second.url);
  await page.waitForSelector('text=Verify Sign In');
  await page.click('#deny');
  await page.waitForSelector('text=Sign-in denied');
  assert.equal((await stack.ctx.registry.getSignin(second.signin.userCode))?.status, 'denied');

  // The same link again: a clear "already used" page.
  const again = await page.goto(second.url);
  assert.equal(again?.status(), 410);
  assert.match((await page.textContent('main')) ?? '', /already used/);
  assert.deepEqual(cspViolations, []);
  await context.close();
});
