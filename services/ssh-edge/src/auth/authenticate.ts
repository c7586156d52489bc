import type { Bus } from '@drawbridge/bus';
import type { Config } from '@drawbridge/config';
import type { Logger } from '@drawbridge/log';
import { type PendingSignin, randomId } from '@drawbridge/protocol';
import type { Registry } from '@drawbridge/registry';
import type { AuthContext, AuthenticationType, KeyboardAuthContext, PublicKeyAuthContext } from 'ssh2';
import type sshpk from 'sshpk';
import { ERR_SIGNIN_DENIED, ERR_SIGNIN_EXPIRED, ERR_SIGNIN_UNAVAILABLE, SshEdgeError } from '../errors.js';
import { DISCONNECT_NO_MORE_AUTH_METHODS, disconnectWithMessage } from '../lib/disconnect.js';
import { NO_KEY_HINT, SIGNIN_PROMPT, sshMessageFor } from '../messages.js';
import type { ConnectionState } from '../types.js';
import { unwrapCertificateSignature } from './cert-signature.js';
import {
  checkUserCertificate,
  identityFromCertificate,
  isCertificateAlgo,
  verifyUserauthSignature,
} from './certificate.js';
import { fingerprintOf, publicKeyLine } from './fingerprint.js';
import type { SigninWaiter } from './signin-waiter.js';

export interface AuthDeps {
  registry: Registry;
  bus: Bus;
  logger: Logger;
  edgeId: string;
  now: () => number;
  config: () => Config;
  caKeys: () => sshpk.Key[];
  waiter: SigninWaiter;
  /** Told when a browser sign-in starts/ends, so the unauthenticated timeout does not cut it off. */
  onSigninWait: (waiting: boolean) => void;
}

const ALL_METHODS: AuthenticationType[] = ['publickey', 'keyboard-interactive'];

/**
 * Runs the auth order for one connection: CA-signed certificate → key bound to a live session →
 * keyboard-interactive browser sign-in. Identity is only ever taken from a request whose signature
 * verified (never from the unsigned "would you accept this key?" query — CVE-2024-45337 class).
 */
export function createAuthenticator(conn: ConnectionState, deps: AuthDeps): (ctx: AuthContext) => void {
  let failures = 0;
  const log = deps.logger.child({ conn: conn.id, client: conn.clientAddress });

  const fail = (ctx: AuthContext, methods = ALL_METHODS) => {
    failures++;
    if (failures >= deps.config().ssh_max_auth_attempts) {
      log.info({ failures }, 'too many authentication failures');
      ctx.reject();
      disconnectWithMessage(conn.client, 'Too many authentication failures', DISCONNECT_NO_MORE_AUTH_METHODS);
      return;
    }
    ctx.reject(methods);
  };

  const onPublicKey = async (ctx: PublicKeyAuthContext) => {
    const now = deps.now();
    if (isCertificateAlgo(ctx.key.algo)) {
      const check = checkUserCertificate(ctx.key.data, deps.caKeys(), { now, clientIp: conn.clientAddress });
      if (!check.ok) {
        log.info({ reason: check.reason }, 'certificate refused; falling through');
        return fail(ctx);
      }
      if (!ctx.signature || !ctx.blob) return ctx.accept(); // PK_OK only; nothing is bound yet.
      const sig = unwrapCertificateSignature(ctx.signature);
      if (!sig || !verifyUserauthSignature(check.cert.subjectKey, ctx.blob, sig.signature, sig.hashAlgo)) {
        log.warn('certificate signature did not verify');
        return fail(ctx);
      }
      const session = check.cert.sessionId ? await deps.registry.getSession(check.cert.sessionId) : undefined;
      const own = session && session.identity.email === check.cert.email ? session : undefined;
      conn.identity = own?.identity ?? identityFromCertificate(check.cert);
      conn.sessionId = check.cert.sessionId;
      conn.sessionTracked = own !== undefined;
      conn.expiresAt = own ? Math.min(own.expiresAt, Number.MAX_SAFE_INTEGER) : check.cert.validUntil;
      conn.authMethod = 'certificate';
      conn.publicKey = check.cert.subjectKey;
      conn.fingerprint = fingerprintOf(Buffer.from(check.cert.subjectKey.split(' ')[1] ?? '', 'base64'));
      log.info({ email: conn.identity.email, keyId: check.cert.keyId }, 'authenticated with certificate');
      return ctx.accept();
    }
    // Plain key: always say "send a signature" so an unbound key can be proven and then bound by sign-in.
    if (!ctx.signature || !ctx.blob) return ctx.accept();
    const line = publicKeyLine(ctx.key.algo, ctx.key.data);
    if (!verifyUserauthSignature(line, ctx.blob, ctx.signature, ctx.hashAlgo)) {
      log.warn('public key signature did not verify');
      return fail(ctx);
    }
    const fingerprint = fingerprintOf(ctx.key.data);
    conn.publicKey = line;
    conn.fingerprint = fingerprint;
    const binding = await deps.registry.getKeyBinding(fingerprint);
    const session = binding ? await deps.registry.getSession(binding.sessionId) : undefined;
    if (binding && session) {
      conn.identity = session.identity;
      conn.sessionId = session.id;
      conn.sessionTracked = true;
      conn.expiresAt = session.expiresAt;
      conn.authMethod = 'key-binding';
      log.info(
        { email: session.identity.email, fingerprint },
        'authenticated with a key bound to a live session',
      );
      return ctx.accept();
    }
    // Proven key, no session yet: partial success, the browser sign-in completes it.
    ctx.reject(['keyboard-interactive'], true);
  };

  const onKeyboard = async (ctx: KeyboardAuthContext) => {
    const c = deps.config();
    const now = deps.now();
    const signin: PendingSignin = {
      userCode: randomId(),
      keyFingerprint: conn.fingerprint,
      publicKey: conn.publicKey,
      clientAddress: conn.clientAddress,
      sshUsername: conn.sshUsername,
      edgeId: deps.edgeId,
      createdAt: now,
      expiresAt: now + c.ssh_signin_expiry,
      status: 'pending',
    };
    try {
      await deps.registry.createSignin(signin);
    } catch (err) {
      // Fail closed, but say why: without this the client saw a bare "Permission denied".
      log.error({ err: (err as Error).message }, 'cannot start a browser sign-in');
      const message = sshMessageFor(
        new SshEdgeError(ERR_SIGNIN_UNAVAILABLE, 'registry unavailable', { cause: err }),
      );
      ctx.prompt([], message, '', () => {
        ctx.reject();
        disconnectWithMessage(conn.client, message, DISCONNECT_NO_MORE_AUTH_METHODS);
      });
      return;
    }
    const url = `${c.authenticate_service_url.replace(/\/+$/, '')}/.pomerium/sign_in?user_code=${signin.userCode}`;
    const instructions = conn.fingerprint ? url : `${url}\n${NO_KEY_HINT}`;
    log.info({ fingerprint: conn.fingerprint }, 'browser sign-in started');
    const abort = new AbortController();
    ctx.once('abort', () => abort.abort(new Error('client gave up')));
    conn.client.once('close', () => abort.abort(new Error('connection closed')));
    deps.onSigninWait(true);
    // No prompts: the stock client prints name and instruction, answers at once, and waits for us.
    ctx.prompt([], SIGNIN_PROMPT, instructions, () => {});
    let result: PendingSignin;
    try {
      result = await deps.waiter.wait(signin, deps.now, abort.signal);
    } catch {
      return;
    } finally {
      deps.onSigninWait(false);
    }
    if (result.status === 'approved' && result.identity) {
      const session = result.sessionId ? await deps.registry.getSession(result.sessionId) : undefined;
      conn.identity = session?.identity ?? result.identity;
      conn.sessionId = result.sessionId;
      conn.sessionTracked = result.sessionId !== undefined;
      conn.expiresAt = session?.expiresAt ?? now + c.cookie_expire;
      conn.authMethod = 'signin';
      log.info({ email: conn.identity.email }, 'browser sign-in approved');
      return ctx.accept();
    }
    const err =
      result.status === 'denied'
        ? new SshEdgeError(ERR_SIGNIN_DENIED, result.reason ?? 'denied')
        : new SshEdgeError(ERR_SIGNIN_EXPIRED, 'expired');
    log.info({ status: result.status }, 'browser sign-in did not complete');
    const message = sshMessageFor(err);
    ctx.prompt([], message, '', () => {
      ctx.reject();
      disconnectWithMessage(conn.client, message, DISCONNECT_NO_MORE_AUTH_METHODS);
    });
  };

  return (ctx: AuthContext) => {
    conn.sshUsername = ctx.username;
    const run = async () => {
      switch (ctx.method) {
        case 'none':
          return ctx.reject(ALL_METHODS);
        case 'publickey':
          return onPublicKey(ctx);
        case 'keyboard-interactive':
          return onKeyboard(ctx);
        default:
          // Passwords and host-based auth are never accepted: identity comes from the IdP or the CA.
          return fail(ctx);
      }
    };
    run().catch((err) => {
      log.error({ err }, 'authentication failed unexpectedly');
      try {
        ctx.reject(ALL_METHODS);
      } catch {
        // Connection already gone.
      }
    });
  };
}
