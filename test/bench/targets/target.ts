/** One way of reaching the upstream that the matrix measures side by side. */
export interface Target {
  key: 'direct' | 'openssh' | 'aio' | 'dist';
  label: string;
  /** Base URL as a client would type it (no trailing slash), e.g. https://hello.localhost:8443. */
  url: string;
  /** Where TCP actually goes (route hosts like hello.localhost do not resolve through glibc here). */
  connectHost: string;
  connectPort: number;
  /** Sent with every request (the session cookie for Drawbridge). */
  headers: Record<string, string>;
  /** Processes whose user+sys CPU is the gateway's cost (server side and the ssh client). */
  gatewayPids(): number[];
  stop(): Promise<void>;
}
