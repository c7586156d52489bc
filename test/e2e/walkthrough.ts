import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  isolatedSshOptions,
  launchBrowser,
  newClientKey,
  newContext,
  SshClient,
  startHelloService,
  waitUntil,
} from '../kit/index.js';

/** Where a running Drawbridge can be reached, however it was started. */
export interface Topology {
  name: string;
  configFile: string;
  /** The route URL a visitor opens (https://hello.localhost:PORT). */
  routeUrl: string;
  /** SSH ports of the edges; the walkthrough's reconnect goes to the last one. */
  sshPorts: number[];
  email: string;
  password: string;
  artifacts: string;
  workDir: string;
  /** HTTP proxy the browser goes through (the test's balancer in front of several proxy-edges). */
  browserProxy?: string;
}

const SIGN_IN =
  /Please sign in with oidc to continue[\r\n]+(https:\/\/\S+\/\.pomerium\/sign_in\?user_code=([A-Za-z0-9_-]{22}))/;

async function expectPage(
  page: Page,
  url: string,
  status: number,
  text: RegExp,
  timeoutMs = 5000,
): Promise<number> {
  const started = Date.now();
  let last = '';
  await waitUntil(
    async () => {
      const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
      const body = await page.locator('body').innerText();
      last = `${res?.status()} ${body.slice(0, 200)}`;
      return res?.status() === status && text.test(body);
    },
    timeoutMs,
    `${url} to answer ${status} ${text}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last answer: ${last}`);
  });
  return Date.now() - started;
}

function sed(file: string, expr: string) {
  execFileSync('sed', ['-i', '-E', expr, file]);
}

/**
 * The README's walkthrough, step by step, with the stock OpenSSH client under a pseudo-terminal,
 * headless Chromium, and the tutorial's own `sed -i` edits.
 */
export async function runWalkthrough(t: Topology): Promise<Record<string, number>> {
  const timings: Record<string, number> = {};
  const hello = await startHelloService();
  const key = newClientKey(t.workDir, 'ed25519', 'walkthrough_key');
  const knownHosts = join(t.workDir, 'known_hosts');
  writeFileSync(knownHosts, '');
  const routeHost = new URL(t.routeUrl).hostname;
  const sshArgs = (port: number) => [
    ...isolatedSshOptions(key, knownHosts),
    '-R',
    `${routeHost}:443:localhost:${hello.port}`,
    '-N',
    'localhost',
    '-p',
    String(port),
  ];
  const browser = await launchBrowser({ proxy: t.browserProxy });
  const context = await newContext(browser);
  const page = await context.newPage();
  const shot = (name: string) =>
    page.screenshot({ path: join(t.artifacts, `${t.name}-${name}.png`), fullPage: true });
  let ssh: SshClient | undefined;
  try {
    // Step 3: brand-new key, host key prompt, then the sign-in text and URL.
    ssh = new SshClient({ args: sshArgs(t.sshPorts[0] as number), pty: true });
    await ssh.waitFor(/Are you sure you want to continue connecting \(yes\/no\/\[fingerprint\]\)\?/);
    ssh.write('yes\n');
    const m = await ssh.waitFor(SIGN_IN);
    const signInUrl = m[1] as string;
    assert.match(ssh.output, /Warning: Permanently added '\[localhost\]:\d+'/);

    // Step 4: the browser signs in at the IdP, sees Verify Sign In, clicks Authorize.
    await page.goto(signInUrl);
    await page.locator('input[name=email]').fill(t.email);
    await page.locator('input[name=password]').fill(t.password);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('heading', { name: /Verify Sign In/i }).waitFor({ timeout: 10_000 });
    const verifyText = await page.locator('body').innerText();
    assert.match(verifyText, new RegExp(t.email.replace('.', '\\.')));
    assert.match(verifyText, /SHA256:/);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`])
      .toString()
      .split(' ')[1] as string;
    assert.ok(verifyText.includes(fingerprint), `Verify Sign In shows the key ${fingerprint}`);
    await shot('verify-sign-in');
    const authorizedAt = Date.now();
    await page.getByRole('button', { name: /^Authorize$/ }).click();
    await page.waitForLoadState('domcontentloaded');

    // The terminal goes quiet and stays connected.
    const outputAfterSignIn = ssh.output;
    // Step 5: the route serves Hello world! (signing in through the authenticate host if needed).
    await expectPage(page, t.routeUrl, 200, /Hello world!/, 10_000);
    timings.authorizeToFirst200 = Date.now() - authorizedAt;
    await shot('hello');
    assert.ok(ssh.running, 'ssh stays connected after sign-in');
    assert.equal(ssh.output.trim(), outputAfterSignIn.trim(), 'the terminal stays quiet');

    // Step 6: the route policy's email gets a typo → 403; restored → Hello world!
    sed(t.configFile, 's/^( {16}is: .*)/\\1.typo/');
    timings.routePolicyTo403 = await expectPage(page, t.routeUrl, 403, /.+/);
    assert.match(
      await page.locator('body').innerText(),
      new RegExp(t.email.replace('.', '\\.')),
      '403 page names the user',
    );
    await shot('403');
    sed(t.configFile, 's/^( {16}is: .*)\\.typo$/\\1/');
    timings.routePolicyRestore = await expectPage(page, t.routeUrl, 200, /Hello world!/);

    // Step 7: the tunnel policy's email gets a typo → SSH stays up, 503; restored → same connection serves again.
    sed(t.configFile, 's/^( {18}is: .*)/\\1.typo/');
    timings.sshPolicyTo503 = await expectPage(page, t.routeUrl, 503, /no healthy upstream/i);
    await shot('503');
    assert.ok(ssh.running, 'revoking ssh_policy keeps the SSH connection');
    const pid = ssh.child.pid;
    sed(t.configFile, 's/^( {18}is: .*)\\.typo$/\\1/');
    timings.sshPolicyRestore = await expectPage(page, t.routeUrl, 200, /Hello world!/);
    assert.ok(ssh.running && ssh.child.pid === pid, 'the same SSH connection serves again');

    // Step 8: Ctrl-C on the tunnel → 503; reconnect with the same key → no browser, Hello world!
    ssh.write('\x03');
    await Promise.race([ssh.exited, new Promise((r) => setTimeout(r, 5000))]);
    if (ssh.running) await ssh.stop('SIGINT');
    await expectPage(page, t.routeUrl, 503, /no healthy upstream/i);
    const lastPort = t.sshPorts[t.sshPorts.length - 1] as number;
    ssh = new SshClient({ args: sshArgs(lastPort), pty: true });
    // A second edge has a host key of its own only if it was configured so; answer a prompt if one comes.
    const reconnectedAt = Date.now();
    await waitUntil(
      async () => {
        if (/continue connecting/.test(ssh?.output ?? '') && !/yes\r?\n/.test(ssh?.output ?? ''))
          ssh?.write('yes\n');
        const res = await page.goto(t.routeUrl);
        return res?.status() === 200 && /Hello world!/.test(await page.locator('body').innerText());
      },
      10_000,
      'Hello world! after reconnecting',
    );
    timings.reconnectTo200 = Date.now() - reconnectedAt;
    assert.doesNotMatch(ssh.output, /Please sign in/, 'the same key needs no browser');
    assert.ok(hello.requests() >= 4, 'every 200 came from the local service');
    return timings;
  } finally {
    await ssh?.stop();
    await browser.close();
    await hello.close();
  }
}

export function readPassword(dir: string): string {
  return readFileSync(join(dir, 'dev-idp-password'), 'utf8').trim();
}
