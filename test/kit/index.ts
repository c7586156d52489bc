export { freePort, waitUntil } from './ports.js';
export { tempDir } from './tmp.js';
export { isolatedSshOptions, newClientKey, SshClient, type SshClientOptions } from './ssh.js';
export { launchBrowser, newContext } from './browser.js';
export { NodeProcess } from './process.js';
export { startHelloService } from './upstream.js';
