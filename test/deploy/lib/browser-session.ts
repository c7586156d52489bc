import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A response as a test reads it. */
export interface PageResponse {
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface BrowserSessionOptions {
  /** Local loopback port that serves `host:port` (the stack's balancer, in effect). */
  route(host: string, port: number): number;
  /** CA (PEM) that signed the public certificate. */
  ca?: string;
}

/**
 * What a browser does for a sign-in, over plain HTTP requests: a cookie jar per host, redirects
 * followed, HTML forms submitted with their hidden fields. Public hosts are dialled at the local
 * port `route` names, with the real Host header and TLS server name, as a TCP balancer would.
 */
export class BrowserSession {
  private readonly jar = new Map<string, Map<string, string>>();

  constructor(private readonly opts: BrowserSessionOptions) {}

  /** One request, no redirects followed. */
  request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<PageResponse> {
    const u = new URL(url);
    const tls = u.protocol === 'https:';
    const port = Number(u.port || (tls ? 443 : 80));
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    const headers: Record<string, string> = { host: u.host, accept: 'text/html,application/xhtml+xml' };
    const cookies = this.jar.get(u.hostname);
    if (cookies?.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const options = {
      host: '127.0.0.1',
      port: this.opts.route(u.hostname, port),
      method: init.method ?? (body !== undefined ? 'POST' : 'GET'),
      path: `${u.pathname}${u.search}`,
      headers,
      timeout: 10_000,
      ...(tls
        ? { servername: u.hostname, ca: this.opts.ca, rejectUnauthorized: this.opts.ca !== undefined }
        : {}),
    };
    return new Promise((resolve, reject) => {
      const req = (tls ? httpsRequest : httpRequest)(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          this.store(u.hostname, res.headers['set-cookie']);
          resolve({
            url,
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          });
        });
        res.on('error', reject);
      });
      req.once('timeout', () => req.destroy(new Error(`timeout: ${options.method} ${url}`)));
      req.once('error', reject);
      req.end(body);
    });
  }

  /** Follows redirects (POST becomes GET after 302/303, as browsers do) up to `max` hops. */
  async navigate(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
    max = 20,
  ): Promise<PageResponse> {
    let res = await this.request(url, init);
    for (let hop = 0; hop < max && res.status >= 300 && res.status < 400 && res.headers.location; hop++) {
      const next = new URL(res.headers.location, res.url).toString();
      const keep = res.status === 307 || res.status === 308;
      res = await this.request(next, keep ? init : {});
    }
    return res;
  }

  /** Submits the page's form whose HTML matches `which` (default: the first), with `fill` over its fields. */
  async submit(page: PageResponse, fill: Record<string, string> = {}, which?: RegExp): Promise<PageResponse> {
    const forms = [...page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
    const form = which ? forms.find((f) => which.test(f[0])) : forms[0];
    if (!form)
      throw new Error(
        `no form${which ? ` matching ${which}` : ''} on ${page.url} (status ${page.status}):\n${page.body.slice(0, 2000)}`,
      );
    const attrs = form[1] ?? '';
    const action = decode(/\baction="([^"]*)"/i.exec(attrs)?.[1] ?? page.url);
    const method = (/\bmethod="([^"]*)"/i.exec(attrs)?.[1] ?? 'GET').toUpperCase();
    const fields: Record<string, string> = {};
    for (const input of (form[2] ?? '').matchAll(/<(input|button)\b([^>]*)>/gi)) {
      const a = input[2] ?? '';
      const name = /\bname="([^"]*)"/i.exec(a)?.[1];
      if (!name) continue;
      const type = /\btype="([^"]*)"/i.exec(a)?.[1]?.toLowerCase();
      // Only the clicked submit button is sent; `fill` picks it (e.g. { action: 'authorize' }).
      if ((input[1]?.toLowerCase() === 'button' || type === 'submit') && !(name in fill)) continue;
      fields[name] = decode(/\bvalue="([^"]*)"/i.exec(a)?.[1] ?? '');
    }
    Object.assign(fields, fill);
    const target = new URL(action, page.url).toString();
    if (method === 'GET') {
      const u = new URL(target);
      for (const [k, v] of Object.entries(fields)) u.searchParams.set(k, v);
      return this.navigate(u.toString());
    }
    return this.navigate(target, { method: 'POST', form: fields });
  }

  private store(host: string, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';');
      const i = pair?.indexOf('=') ?? -1;
      if (!pair || i < 1) continue;
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      const cookies = this.jar.get(host) ?? new Map<string, string>();
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
      this.jar.set(host, cookies);
    }
  }
}

function decode(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}
