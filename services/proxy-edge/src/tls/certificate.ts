import { readFileSync } from 'node:fs';
import type { Config } from '@drawbridge/config';
import type { Logger } from '@drawbridge/log';
import { generate } from 'selfsigned';
import { ERR_TLS_UNREADABLE, ProxyEdgeError } from '../errors.js';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** True when generated because the config names no certificate. */
  selfSigned: boolean;
}

/**
 * The listener's certificate: `certificate_file`/`certificate_key_file` (CERTIFICATE_FILE /
 * CERTIFICATE_KEY_FILE in the environment), else a self-signed one for `*.localhost` and every
 * configured host, with a warning, so development works without any PKI.
 */
export async function loadTlsMaterial(config: Config, logger: Logger): Promise<TlsMaterial> {
  if (config.certificate_file || config.certificate_key_file) {
    if (!config.certificate_file || !config.certificate_key_file) {
      throw new ProxyEdgeError(
        ERR_TLS_UNREADABLE,
        'set both certificate_file and certificate_key_file (or neither for a self-signed development certificate)',
      );
    }
    try {
      return {
        cert: readFileSync(config.certificate_file, 'utf8'),
        key: readFileSync(config.certificate_key_file, 'utf8'),
        selfSigned: false,
      };
    } catch (err) {
      throw new ProxyEdgeError(
        ERR_TLS_UNREADABLE,
        `cannot read the TLS certificate or key: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  const hosts = new Set(['localhost', '*.localhost', config.authenticateHost]);
  for (const r of config.routes) hosts.add(r.fromHost);
  logger.warn(
    { hosts: [...hosts] },
    'no certificate_file configured: serving a generated self-signed certificate (browsers will warn; set certificate_file and certificate_key_file for real use)',
  );
  const altNames = [...hosts].map((value) => ({ type: 2, value }));
  altNames.push({ type: 7, ip: '127.0.0.1' } as never);
  const pems = await Promise.resolve(
    generate([{ name: 'commonName', value: 'Drawbridge development certificate' }], {
      days: 365,
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames }],
    }),
  );
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}
