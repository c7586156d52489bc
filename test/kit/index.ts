export { type Balancer, startBalancer } from './balancer.js';
export { launchBrowser, newContext } from './browser.js';
export { freePort, waitUntil } from './ports.js';
export { NodeProcess } from './process.js';
export { isolatedSshOptions, newClientKey, SshClient, type SshClientOptions } from './ssh.js';
export { tempDir } from './tmp.js';
export { startHelloService } from './upstream.js';
