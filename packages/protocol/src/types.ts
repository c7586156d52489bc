/** Who a person is, as the IdP told us. Crosses every service boundary. */
export interface Identity {
  /** IdP subject (`sub` claim). */
  sub: string;
  email: string;
  name?: string;
  groups: string[];
  /** All ID-token/userinfo claims, for `claim/<name>` policy criteria. */
  claims: Record<string, unknown>;
}

/** A signed-in browser or SSH user. Stored in the registry with TTL = expiresAt. */
export interface Session {
  id: string;
  identity: Identity;
  createdAt: number;
  expiresAt: number;
  /** Where the session came from: browser OIDC, SSH sign-in, CI token exchange. */
  origin: 'browser' | 'ssh' | 'token-exchange';
  idToken?: string;
  refreshToken?: string;
  /** When the ID token expires; authn refreshes before this. */
  idTokenExpiresAt?: number;
}

export type SigninStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** A keyboard-interactive SSH sign-in waiting for a browser to approve it. */
export interface PendingSignin {
  /** 128-bit random, base64url, 22 chars. */
  userCode: string;
  /** SHA256:… fingerprint of the key the client offered (absent for a client with no key). */
  keyFingerprint?: string;
  /** The offered public key as an OpenSSH line, so authn can mint a certificate for it. */
  publicKey?: string;
  clientAddress: string;
  sshUsername: string;
  edgeId: string;
  createdAt: number;
  expiresAt: number;
  status: SigninStatus;
  sessionId?: string;
  identity?: Identity;
  /** OpenSSH user certificate minted on approval. */
  certificate?: string;
  remember?: boolean;
  reason?: string;
}

/** A public key bound to a live session: later connections with it skip the browser. */
export interface KeyBinding {
  fingerprint: string;
  sessionId: string;
  identity: Identity;
  createdAt: number;
  expiresAt: number;
}

export type TunnelState = 'attached' | 'detached';

/** One `tcpip-forward` on one SSH connection, bound to one route. */
export interface TunnelRecord {
  id: string;
  edgeId: string;
  /** host:port of the holding ssh-edge's data-plane listener. */
  dataPlaneAddress: string;
  /** The route's `from` URL. */
  routeFrom: string;
  bindHost: string;
  bindPort: number;
  identity: Identity;
  sessionId?: string;
  connectionId: string;
  clientAddress: string;
  state: TunnelState;
  /** Config generation that decided the state. */
  generation: number;
  reason?: string;
  connectedAt: number;
  heartbeatAt: number;
  requests: number;
}

export interface EdgeRecord {
  id: string;
  kind: 'ssh-edge' | 'proxy-edge' | 'authn' | 'authz';
  dataPlaneAddress?: string;
  startedAt: number;
  heartbeatAt: number;
  draining: boolean;
}

/** What a policy is asked about. Fields absent for SSH decisions are simply undefined. */
export interface PolicyInput {
  identity?: Identity;
  http?: { method: string; path: string; host: string };
  sourceIp?: string;
  ssh?: { username: string; publicKey?: string; publicKeyFingerprint?: string };
  /** Evaluation time in ms since epoch (injected so tests control the clock). */
  now: number;
}

export type DecisionReason =
  | 'allowed'
  | 'denied-by-rule'
  | 'no-matching-allow'
  | 'unauthenticated'
  | 'no-policy'
  | 'route-not-found';

export interface Decision {
  allow: boolean;
  reason: DecisionReason;
  /** e.g. `allow[0].and[1]` — where in the policy the decision was made. */
  rule?: string;
  /** The criterion that decided, e.g. `email`. */
  criterion?: string;
  generation: number;
}

export interface EvaluateRequest {
  /** The route's `from` URL. */
  routeFrom: string;
  kind: 'route' | 'ssh';
  input: PolicyInput;
}
