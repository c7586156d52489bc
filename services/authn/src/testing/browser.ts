import { request } from 'node:http';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string;
  location?: string;
}

/**
 * A cookie-keeping HTTP client that plays a browser without DNS: every host is dialled on 127.0.0.1
 * with the original Host header, so `authenticate.localhost:<port>` reaches the loopback listener.
 */
export class TestBrowser {
  readonly jar = new Map<string, Map<string, string>>();

  cookies(host: string): Map<string, string> {
    let m = this.jar.get(host);
    if (!m) {
      m = new Map();
      this.jar.set(host, m);
    }
    return m;
  }

  async fetch(
    url: string,
    opts: {
      method?: string;
      form?: Record<string, string>;
      json?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const u = new URL(url);
    const jar = this.cookies(u.hostname);
    const body = opts.form
      ? new URLSearchParams(opts.form).toString()
      : opts.json !== undefined
        ? JSON.stringify(opts.json)
        : undefined;
    const headers: Record<string, string> = {
      host: u.host,
      ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      ...(opts.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    };
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: Number(u.port || 80),
          path: u.pathname + u.search,
          method: opts.method ?? 'GET',
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            for (const sc of res.headers['set-cookie'] ?? []) {
              const [pair, ...attrs] = sc.split(';');
              const i = (pair ?? '').indexOf('=');
              const name = (pair ?? '').slice(0, i).trim();
              const value = (pair ?? '').slice(i + 1).trim();
              if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || /expires=Thu, 01 Jan 1970/i.test(sc))
                jar.delete(name);
              else jar.set(name, value);
            }
            const loc = res.headers.location;
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              url,
              location: loc ? new URL(loc, url).href : undefined,
            });
          });
        },
      );
      req.on('error', reject);
      if (body) req.end(body);
      else req.end();
    });
  }

  /** Follows redirects (GET) until a non-redirect answer or `stopAt` matches the next URL. */
  async follow(url: string, stopAt?: (next: string) => boolean, first?: Response): Promise<Response> {
    let res = first ?? (await this.fetch(url));
    for (let hops = 0; hops < 15 && res.location && res.status >= 300 && res.status < 400; hops++) {
      if (stopAt?.(res.location)) return res;
      res = await this.fetch(res.location);
    }
    return res;
  }

  /** Fills the dev IdP's login form shown in `loginPage` and follows redirects afterwards. */
  async login(
    loginPage: Response,
    email: string,
    password: string,
    stopAt?: (next: string) => boolean,
  ): Promise<Response> {
    const action = /action="([^"]+)"/.exec(loginPage.body)?.[1];
    if (!action)
      throw new Error(
        `no login form at ${loginPage.url}: ${loginPage.status} ${loginPage.body.slice(0, 300)}`,
      );
    const res = await this.fetch(new URL(action.replace(/&amp;/g, '&'), loginPage.url).href, {
      method: 'POST',
      form: { email, password },
    });
    return this.follow(res.url, stopAt, res);
  }
}

/** The value of a hidden input in an HTML page. */
export function hiddenInput(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}
