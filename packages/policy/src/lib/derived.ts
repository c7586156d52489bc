import type { Identity } from '@drawbridge/protocol';

// Many criteria of one policy look at the same folded email; evaluation is synchronous, so the last
// identity's derived values are kept here. Keyed on the object and its email string, so a mutated
// identity is recomputed.
let lastIdentity: Identity | undefined;
let lastEmail: string | undefined;
let lastLower = '';
let lastDomain = '';

function refresh(id: Identity): void {
  if (id === lastIdentity && id.email === lastEmail) return;
  lastIdentity = id;
  lastEmail = id.email;
  lastLower = typeof id.email === 'string' ? id.email.toLowerCase() : '';
  const at = lastLower.lastIndexOf('@');
  lastDomain = at >= 0 ? lastLower.slice(at + 1) : '';
}

/** The identity's email in lower case ('' when missing). */
export function lowerEmail(id: Identity): string {
  refresh(id);
  return lastLower;
}

/** The part of the email after the last `@`, lower case ('' when there is none). */
export function emailDomain(id: Identity): string {
  refresh(id);
  return lastDomain;
}
