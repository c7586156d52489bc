import type { CriterionDefinition } from './definition.js';
import { authenticatedUser, claim, domain, email, groups, user } from './identity.js';
import { accept, httpMethod, httpPath, reject, sourceIp } from './request.js';
import { sshPublicKey, sshUsername, sshUsernameFromEmail } from './ssh.js';
import { date, dayOfWeek, timeOfDay } from './time.js';

const ALL = [
  accept,
  reject,
  authenticatedUser,
  email,
  domain,
  user,
  groups,
  claim,
  httpMethod,
  httpPath,
  sourceIp,
  date,
  dayOfWeek,
  timeOfDay,
  sshUsername,
  sshUsernameFromEmail,
  sshPublicKey,
];

/** Every criterion Drawbridge understands, by name. */
export const CRITERIA: ReadonlyMap<string, CriterionDefinition> = new Map(ALL.map((c) => [c.name, c]));

/** Names as users write them (`claim/<name>` for the sub-path one). */
export const CRITERION_NAMES: readonly string[] = ALL.map((c) =>
  c.subPath === 'required' ? `${c.name}/<name>` : c.name,
);
