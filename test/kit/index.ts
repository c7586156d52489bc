export { freePort, waitUntil } from './ports.js';
export { tempDir } from './tmp.js';
export { isolatedSshOptions, newClientKey, SshClient, type SshClientOptions } from './ssh.js';
