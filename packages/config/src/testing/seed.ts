import { randomBytes } from 'node:crypto';

const secret = () => randomBytes(32).toString('base64');

/** Pomerium's tutorial config, placeholders filled, exactly as the tutorial writes it. */
export function seedConfig(s1 = secret(), s2 = secret()): string {
  return `shared_secret: ${s1}
cookie_secret: ${s2}
address: :443
authenticate_service_url: https://authenticate.localhost
idp_provider: oidc
idp_provider_url: http://127.0.0.1:5556/dex
idp_client_id: pomerium
idp_client_secret: pomerium-client-secret
idp_scopes: [openid, email, profile, offline_access]
ssh_address: 0.0.0.0:2222
ssh_user_ca_key_file: /etc/pomerium/keys/pomerium_user_ca_key
ssh_host_key_files:
  - /etc/pomerium/keys/pomerium_ssh_host_ed25519_key
  - /etc/pomerium/keys/pomerium_ssh_host_rsa_key
  - /etc/pomerium/keys/pomerium_ssh_host_ecdsa_key
runtime_flags:
  ssh_upstream_tunnel: true
databroker_storage_type: file
databroker_storage_connection_string: file:///var/pomerium/databroker
routes:
  - from: https://hello.localhost
    to: http://non-existent-route
    policy:
      - allow:
          and:
            - email:
                is: alice@example.com
    upstream_tunnel:
      ssh_policy:
        - allow:
            and:
              - email:
                  is: alice@example.com
`;
}
