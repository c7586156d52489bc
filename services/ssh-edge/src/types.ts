import type { Identity, TunnelRecord } from '@drawbridge/protocol';
import type { Connection } from 'ssh2';

/** How a connection proved who it is. */
export type AuthMethod = 'certificate' | 'key-binding' | 'signin';

/** Everything ssh-edge knows about one SSH connection. */
export interface ConnectionState {
  id: string;
  client: Connection;
  clientAddress: string;
  clientPort: number;
  sshUsername: string;
  authenticated: boolean;
  identity?: Identity;
  sessionId?: string;
  /** True when `sessionId` names a registry session whose loss must end the connection. */
  sessionTracked: boolean;
  authMethod?: AuthMethod;
  /** When the identity stops being valid (session or certificate expiry). */
  expiresAt?: number;
  /** Key the client proved it holds (signed userauth request), as an OpenSSH line. */
  publicKey?: string;
  fingerprint?: string;
  tunnels: Map<string, LiveTunnel>;
  /** Refresh callbacks of open status screens. */
  screens: Set<() => void>;
  /** Session channels open now (status screens, refused commands); bounded per connection. */
  openSessions: number;
  /** Closers of the open `direct-tcpip` forwards (ssh -L), run when the flag is turned off. */
  directForwards: Set<() => void>;
  closed: boolean;
}

/** A `tcpip-forward` held on a connection; `record` is what the registry and bus see. */
export interface LiveTunnel {
  record: TunnelRecord;
  conn: ConnectionState;
  /** Port to name in `forwarded-tcpip` opens: the requested one, or the one we allocated for 0. */
  forwardPort: number;
  /** The bind port the client asked for (0, 80 or 443). */
  requestedPort: number;
  activeChannels: number;
}
