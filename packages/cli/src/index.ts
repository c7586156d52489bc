export { main } from './bin.js';
export { DEFAULT_EMAIL, DEFAULT_INIT_DIR, type DevSetup, initDevSetup, type InitOptions } from './init/init.js';
export { generateSshKey, type SshKeyPair, type SshKeyType } from './init/keys.js';
export { generateDevCertificate } from './init/tls.js';
export { generatePassword, hashPassword } from './init/password.js';
export { startServices, type StartedServices, type StartOptions, SERVICE_NAMES } from './commands/start.js';
