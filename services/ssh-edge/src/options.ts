/** A dead client must be noticed within this long (issue 4): sets the keepalive miss budget. */
export const DEFAULT_DEAD_CLIENT_DEADLINE_MS = 30_000;
/** How often tunnel and edge records are refreshed; the registry expires them after 15 s. */
export const DEFAULT_TUNNEL_HEARTBEAT_MS = 5_000;
/** Safety-net poll of a pending sign-in, in case a `signin.resolved` event is missed. */
export const DEFAULT_SIGNIN_POLL_MS = 500;
/** How often live sessions behind connections are re-checked, in case a revocation event is missed. */
export const DEFAULT_SESSION_SWEEP_MS = 30_000;
/** Status screen refresh period. */
export const DEFAULT_STATUS_REFRESH_MS = 1_000;

/** Modern algorithms only: no SHA-1, no CBC, no ssh-rsa signatures, no small DH groups. */
export const SSH_ALGORITHMS = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
  ],
  serverHostKey: [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
  ],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compress: ['none'],
};

/** Keepalive misses allowed so that `interval * (misses + 1)` stays within the dead-client deadline. */
export function keepaliveCountMax(intervalMs: number, deadlineMs = DEFAULT_DEAD_CLIENT_DEADLINE_MS): number {
  return Math.max(1, Math.floor(deadlineMs / intervalMs) - 1);
}
