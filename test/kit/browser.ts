import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium, headless, with the flags this sandbox needs, and `*.localhost` mapped to loopback. */
export async function launchBrowser(opts: { proxy?: string } = {}): Promise<Browser> {
  // Chromium never proxies loopback names unless told to (`<-loopback>`); the balancer needs them.
  const proxy = opts.proxy ? [`--proxy-server=${opts.proxy}`, '--proxy-bypass-list=<-loopback>'] : [];
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1',
      ...proxy,
    ],
  });
}

/** A fresh browser profile that accepts the development certificate. */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 760 } });
}
