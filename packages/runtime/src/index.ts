export { formatAddress, parseAddress } from './address.js';
export { type ContextOptions, closeContext, createContext } from './context.js';
export { startHealthServer } from './health.js';
export { configPathFromArgs, runServiceMain } from './main.js';
export { type RunningServices, runServices } from './run.js';
export type { Service, ServiceContext } from './service.js';
