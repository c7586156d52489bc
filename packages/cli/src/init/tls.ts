import selfsigned from 'selfsigned';

/** A self-signed certificate for development: `*.localhost` plus the given host names. */
export function generateDevCertificate(hosts: string[]): { cert: string; key: string } {
  const names = [...new Set(['localhost', '*.localhost', ...hosts])];
  const pems = selfsigned.generate([{ name: 'commonName', value: 'Drawbridge development' }], {
    keySize: 2048,
    days: 825,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...names.map((value) => ({ type: 2, value })),
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
