export { main } from './bin.js';
export { SERVICE_NAMES, type StartedServices, type StartOptions, startServices } from './commands/start.js';
export {
  DEFAULT_EMAIL,
  DEFAULT_INIT_DIR,
  type DevSetup,
  type InitOptions,
  initDevSetup,
} from './init/init.js';
export { generateSshKey, type SshKeyPair, type SshKeyType } from './init/keys.js';
export { generatePassword, hashPassword } from './init/password.js';
export { generateDevCertificate } from './init/tls.js';
