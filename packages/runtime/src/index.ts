export type { Service, ServiceContext } from './service.js';
export { closeContext, type ContextOptions, createContext } from './context.js';
export { startHealthServer } from './health.js';
export { formatAddress, parseAddress } from './address.js';
export { type RunningServices, runServices } from './run.js';
