import type { Decision, EvaluateRequest, PendingSignin, TunnelRecord } from './types.js';

/** Every event on the bus, by name, with its payload. */
export interface BusEvents {
  'tunnel.attached': { tunnel: TunnelRecord };
  'tunnel.detached': { tunnel: TunnelRecord; reason: string };
  'tunnel.closed': { tunnelId: string; routeFrom: string; edgeId: string };
  'session.revoked': { sessionId: string; email?: string; reason: string };
  'session.changed': { sessionId: string };
  'signin.resolved': { signin: PendingSignin };
  'config.reloaded': { generation: number; source: string };
  'edge.draining': { edgeId: string; kind: string };
}

export type BusEventName = keyof BusEvents;

/** Request/reply subjects, by name, with request and reply types. */
export interface BusRequests {
  'authz.evaluate': { request: EvaluateRequest; reply: Decision };
  'authz.evaluate-many': { request: EvaluateRequest[]; reply: Decision[] };
}

export type BusRequestName = keyof BusRequests;

/** The event names that carry something other services must act on. */
export const BUS_EVENT_NAMES: readonly BusEventName[] = [
  'tunnel.attached',
  'tunnel.detached',
  'tunnel.closed',
  'session.revoked',
  'session.changed',
  'signin.resolved',
  'config.reloaded',
  'edge.draining',
];
