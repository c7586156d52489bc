export interface TemplateValues {
  sharedSecret: string;
  cookieSecret: string;
  clientSecret: string;
  email: string;
  passwordHash: string;
  address: string;
  sshAddress: string;
  idpAddress: string;
  authenticateUrl: string;
  routeUrl: string;
  idpUrl: string;
  storage: 'memory' | 'file';
}

/**
 * The config `drawbridge init` writes. Its layout follows Pomerium's tutorial line for line where
 * it can, so the tutorial's `sed -i -E 's/^( {16}is: .*)/\1.typo/'` edits work unchanged.
 */
export function renderConfig(v: TemplateValues): string {
  const storage =
    v.storage === 'file'
      ? 'databroker_storage_type: file\ndatabroker_storage_connection_string: file://data\n'
      : 'databroker_storage_type: memory\n';
  return `# Drawbridge development config, written by \`drawbridge init\`.
# Secrets: generated fresh for this setup. Keep them private.
shared_secret: ${v.sharedSecret}
cookie_secret: ${v.cookieSecret}

address: ${v.address}
authenticate_service_url: ${v.authenticateUrl}

# The development IdP (dev_idp below) plays the role Dex plays in Pomerium's tutorial.
idp_provider: oidc
idp_provider_url: ${v.idpUrl}
idp_client_id: drawbridge
idp_client_secret: ${v.clientSecret}
idp_scopes:
  - openid
  - email
  - profile
  - offline_access

# SSH listener for \`ssh -R\`
ssh_address: ${v.sshAddress}
ssh_user_ca_key_file: keys/pomerium_user_ca_key
ssh_host_key_files:
  - keys/pomerium_ssh_host_ed25519_key
  - keys/pomerium_ssh_host_rsa_key
  - keys/pomerium_ssh_host_ecdsa_key

certificate_file: certs/cert.pem
certificate_key_file: certs/key.pem

runtime_flags:
  ssh_upstream_tunnel: true

${storage}
dev_idp:
  address: ${v.idpAddress}
  users:
    - email: ${v.email}
      name: ${v.email.split('@')[0]}
      groups: [developers]
      password_hash: ${v.passwordHash}

routes:
  - from: ${v.routeUrl}
    to: http://non-existent-route
    policy:
      # Who can VISIT the published service
      - allow:
          and:
            - email:
                is: ${v.email}
    upstream_tunnel:
      ssh_policy:
        # Who can OPEN the reverse tunnel that backs this route
        - allow:
            and:
              - email:
                  is: ${v.email}
`;
}
