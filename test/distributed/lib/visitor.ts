import { BrowserSession, type PageResponse } from '../../deploy/lib/browser-session.js';

/**
 * A signed-in visitor that can aim each request at one chosen proxy-edge replica, as a balancer
 * would, sharing one cookie jar across them (every replica accepts the same cookies).
 */
export class Visitor {
  readonly browser: BrowserSession;
  private target = 0;

  constructor(
    private readonly httpsPorts: number[],
    ca: string,
  ) {
    this.browser = new BrowserSession({
      ca,
      route: (host, port) => (host.endsWith('.localhost') && port === 443 ? this.portOf(this.target) : port),
    });
  }

  private portOf(i: number): number {
    const p = this.httpsPorts[i];
    if (p === undefined) throw new Error(`no proxy-edge #${i}`);
    return p;
  }

  /** Follows redirects (sign-in, callback) through proxy-edge `i`. */
  navigate(i: number, url: string): Promise<PageResponse> {
    // BrowserSession reads `route` synchronously when each request starts; set it just before.
    this.target = i;
    return this.browser.navigate(url);
  }

  /** One request through proxy-edge `i`, no redirects followed. */
  get(i: number, url: string): Promise<PageResponse> {
    this.target = i;
    return this.browser.request(url);
  }
}
