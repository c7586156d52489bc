import type { EvaluateRequest } from '@drawbridge/protocol';
import { AuthzError, ERR_AUTHZ_BAD_REQUEST } from '../errors.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function bad(message: string): never {
  throw new AuthzError(ERR_AUTHZ_BAD_REQUEST, message);
}

/** Checks the shape of an EvaluateRequest from the network; a missing `input.now` becomes `now`. */
export function parseEvaluateRequest(raw: unknown, now: number, at = 'request'): EvaluateRequest {
  if (!isObject(raw)) bad(`${at} must be a JSON object`);
  if (typeof raw.routeFrom !== 'string' || raw.routeFrom === '')
    bad(`${at}.routeFrom must be the route's from URL`);
  if (raw.kind !== 'route' && raw.kind !== 'ssh') bad(`${at}.kind must be "route" or "ssh"`);
  const input = raw.input === undefined ? {} : raw.input;
  if (!isObject(input)) bad(`${at}.input must be an object`);
  const id = input.identity;
  if (id !== undefined && id !== null) {
    if (!isObject(id) || typeof id.sub !== 'string' || typeof id.email !== 'string') {
      bad(`${at}.input.identity needs sub and email strings`);
    }
    if (
      id.groups !== undefined &&
      !(Array.isArray(id.groups) && id.groups.every((g) => typeof g === 'string'))
    ) {
      bad(`${at}.input.identity.groups must be a list of strings`);
    }
    if (id.claims !== undefined && !isObject(id.claims)) bad(`${at}.input.identity.claims must be an object`);
  }
  const http = input.http;
  if (
    http !== undefined &&
    (!isObject(http) || typeof http.method !== 'string' || typeof http.path !== 'string')
  ) {
    bad(`${at}.input.http needs method and path strings`);
  }
  const ssh = input.ssh;
  if (ssh !== undefined && (!isObject(ssh) || typeof ssh.username !== 'string'))
    bad(`${at}.input.ssh needs a username`);
  if (input.sourceIp !== undefined && typeof input.sourceIp !== 'string')
    bad(`${at}.input.sourceIp must be a string`);
  if (input.now !== undefined && typeof input.now !== 'number')
    bad(`${at}.input.now must be milliseconds since epoch`);
  return {
    routeFrom: raw.routeFrom,
    kind: raw.kind,
    input: {
      ...(input as unknown as EvaluateRequest['input']),
      identity:
        id === undefined || id === null
          ? undefined
          : ({
              groups: [],
              claims: {},
              ...(id as unknown as EvaluateRequest['input']['identity']),
            } as EvaluateRequest['input']['identity']),
      now: typeof input.now === 'number' ? input.now : now,
    },
  };
}
