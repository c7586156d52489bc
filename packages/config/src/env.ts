/**
 * Environment variables that override config keys, as Pomerium reads them (upper-case key names).
 * CERTIFICATE_FILE / CERTIFICATE_KEY_FILE are the ones its docs and compose files use.
 */
export const ENV_OVERRIDES: Record<string, string> = {
  SHARED_SECRET: 'shared_secret',
  COOKIE_SECRET: 'cookie_secret',
  ADDRESS: 'address',
  AUTHENTICATE_SERVICE_URL: 'authenticate_service_url',
  IDP_PROVIDER: 'idp_provider',
  IDP_PROVIDER_URL: 'idp_provider_url',
  IDP_CLIENT_ID: 'idp_client_id',
  IDP_CLIENT_SECRET: 'idp_client_secret',
  SSH_ADDRESS: 'ssh_address',
  SSH_USER_CA_KEY_FILE: 'ssh_user_ca_key_file',
  DATABROKER_STORAGE_TYPE: 'databroker_storage_type',
  DATABROKER_STORAGE_CONNECTION_STRING: 'databroker_storage_connection_string',
  CERTIFICATE_FILE: 'certificate_file',
  CERTIFICATE_KEY_FILE: 'certificate_key_file',
  LOG_LEVEL: 'log_level',
  NATS_URL: 'nats_url',
  HEALTH_ADDRESS: 'health_address',
  AUTHENTICATE_INTERNAL_ADDRESS: 'authenticate_internal_address',
  AUTHENTICATE_INTERNAL_URL: 'authenticate_internal_url',
  AUTHORIZE_INTERNAL_ADDRESS: 'authorize_internal_address',
  AUTHORIZE_INTERNAL_URL: 'authorize_internal_url',
  SSH_DATA_PLANE_ADDRESS: 'ssh_data_plane_address',
  SSH_DATA_PLANE_ADVERTISE_ADDRESS: 'ssh_data_plane_advertise_address',
  METRICS_ADDRESS: 'metrics_address',
};

/** Applies env overrides onto the raw object; returns the keys it set. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const applied: string[] = [];
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value !== undefined && value !== '') {
      raw[key] = value;
      applied.push(key);
    }
  }
  return applied;
}
