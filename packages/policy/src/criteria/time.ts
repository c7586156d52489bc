import { isValidTimeZone, zonedClock } from '../lib/clock.js';
import { describeValue, hintFor, isPlainObject, scalarToString } from '../lib/describe.js';
import type { PolicyIssue } from '../types.js';
import { defineCriterion } from './definition.js';

const DATE_KEYS = ['after', 'before'] as const;
const TIME_KEYS = ['timezone', 'after', 'before'] as const;

function checkKeys(
  value: Record<string, unknown>,
  keys: readonly string[],
  path: (string | number)[],
  issues: PolicyIssue[],
  criterion: string,
): boolean {
  let ok = true;
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) {
      issues.push({
        path: [...path, k],
        message: `unknown matcher "${k}" for ${criterion}`,
        hint: hintFor(k, keys, 'matchers'),
      });
      ok = false;
    }
  }
  return ok;
}

/** ISO-8601; a date-time without a zone is read as UTC so policies mean the same on every host. */
function parseInstant(raw: unknown): number | undefined {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.getTime();
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(raw)) return undefined;
  const s = /T|\s\d/.test(raw) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(raw) ? `${raw.replace(' ', 'T')}Z` : raw;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** `date: { after: 2024-01-01T00:00:00Z, before: … }` — the request time is strictly between. */
export const date = defineCriterion<{ after?: number; before?: number }>({
  name: 'date',
  subPath: 'none',
  needsIdentity: false,
  matchers: DATE_KEYS,
  parse: (value, path, issues) => {
    if (!isPlainObject(value) || Object.keys(value).length === 0) {
      issues.push({
        path,
        message: `date needs { after: …, before: … } with ISO-8601 dates, got ${describeValue(value)}`,
        hint: 'e.g. after: 2024-01-02T16:20:00Z',
      });
      return undefined;
    }
    let ok = checkKeys(value, DATE_KEYS, path, issues, 'date');
    const spec: { after?: number; before?: number } = {};
    for (const k of DATE_KEYS) {
      if (value[k] === undefined) continue;
      const t = parseInstant(value[k]);
      if (t === undefined) {
        issues.push({
          path: [...path, k],
          message: `date ${k} needs an ISO-8601 date, got ${describeValue(value[k])}`,
          hint: 'e.g. 2024-01-02 or 2024-01-02T16:20:00Z',
        });
        ok = false;
      } else spec[k] = t;
    }
    return ok ? spec : undefined;
  },
  compile:
    ({ after, before }) =>
    (input) =>
      (after === undefined || input.now > after) && (before === undefined || input.now < before),
});

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function dayIndex(s: string): number | undefined {
  const x = s.trim().toLowerCase();
  if (x.length < 3) return undefined;
  const i = DAYS.findIndex((d) => d === x || (x.length === 3 && d.startsWith(x)));
  return i >= 0 ? i : undefined;
}

/** `day_of_week: mon-fri` — `*`, a comma list, or ranges (wrapping, e.g. `fri-mon`), in UTC. */
export const dayOfWeek = defineCriterion<boolean[]>({
  name: 'day_of_week',
  subPath: 'none',
  needsIdentity: false,
  matchers: [],
  parse: (value, path, issues) => {
    const raw = Array.isArray(value) ? value.map(scalarToString).join(',') : scalarToString(value);
    const bad = (what: string) => {
      issues.push({
        path,
        message: `day_of_week: ${what}`,
        hint: 'use *, a list such as mon,wed,fri or a range such as mon-fri',
      });
      return undefined;
    };
    if (raw === undefined || raw.trim() === '')
      return bad(`needs a string of days, got ${describeValue(value)}`);
    const set = new Array<boolean>(7).fill(false);
    if (raw.trim() === '*') return set.fill(true);
    for (const item of raw.split(',')) {
      const [a, b, extra] = item.split('-');
      const from = dayIndex(a ?? '');
      const to = b === undefined ? from : dayIndex(b);
      if (from === undefined || to === undefined || extra !== undefined)
        return bad(`"${item.trim()}" is not a day or range of days`);
      for (let d = from; ; d = (d + 1) % 7) {
        set[d] = true;
        if (d === to) break;
      }
    }
    return set;
  },
  compile: (set) => (input) => {
    const days = Math.floor(input.now / 86_400_000);
    return set[(((days + 4) % 7) + 7) % 7] === true;
  },
});

/** `3:04 PM`, `3PM`, `15:04:05.999`, `15:04` … → milliseconds since midnight. */
export function parseClockTime(raw: unknown): number | undefined {
  const s = scalarToString(raw)?.trim();
  if (!s) return undefined;
  const m = /^(\d{1,2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*([AaPp][Mm])?$/.exec(s);
  if (!m) return undefined;
  let h = Number(m[1]);
  const min = m[2] === undefined ? 0 : Number(m[2]);
  const sec = m[3] === undefined ? 0 : Number(m[3]);
  const frac = m[4] === undefined ? 0 : Number(`0.${m[4]}`);
  const ampm = m[5]?.toLowerCase();
  if (ampm) {
    if (h < 1 || h > 12 || m[4] !== undefined) return undefined;
    h = (h % 12) + (ampm === 'pm' ? 12 : 0);
  } else if (m[2] === undefined) return undefined;
  if (h > 23 || min > 59 || sec > 59) return undefined;
  return ((h * 60 + min) * 60 + sec) * 1000 + Math.floor(frac * 1000);
}

interface TimeOfDaySpec {
  timezone: string;
  after?: number;
  before?: number;
}

/** `time_of_day: { timezone: Europe/Berlin, after: 9:00, before: 5:30PM }`; after > before spans midnight. */
export const timeOfDay = defineCriterion<TimeOfDaySpec>({
  name: 'time_of_day',
  subPath: 'none',
  needsIdentity: false,
  matchers: TIME_KEYS,
  parse: (value, path, issues) => {
    if (!isPlainObject(value)) {
      issues.push({
        path,
        message: `time_of_day needs { timezone, after, before }, got ${describeValue(value)}`,
        hint: 'e.g. { timezone: UTC, after: "9:00", before: "5:30PM" }',
      });
      return undefined;
    }
    let ok = checkKeys(value, TIME_KEYS, path, issues, 'time_of_day');
    const tz = scalarToString(value.timezone);
    if (tz === undefined || !isValidTimeZone(tz)) {
      issues.push({
        path: [...path, 'timezone'],
        message: tz === undefined ? 'time_of_day needs a timezone' : `unknown timezone "${tz}"`,
        hint: 'use an IANA zone name such as UTC, Europe/Berlin or America/Phoenix',
      });
      ok = false;
    }
    const spec: TimeOfDaySpec = { timezone: tz ?? 'UTC' };
    for (const k of ['after', 'before'] as const) {
      if (value[k] === undefined) continue;
      const t = parseClockTime(value[k]);
      if (t === undefined) {
        issues.push({
          path: [...path, k],
          message: `time_of_day ${k} is not a time of day: ${describeValue(value[k])}`,
          hint: 'use e.g. "15:04", "15:04:05", "3:04 PM" or "3PM"',
        });
        ok = false;
      } else spec[k] = t;
    }
    if (ok && spec.after === undefined && spec.before === undefined) {
      issues.push({ path, message: 'time_of_day needs after, before or both' });
      ok = false;
    }
    return ok ? spec : undefined;
  },
  compile: ({ timezone, after, before }) => {
    const clock = zonedClock(timezone);
    return (input) => {
      const t = clock(input.now).msOfDay;
      if (after !== undefined && before !== undefined && after > before) return t > after || t < before;
      return (after === undefined || t > after) && (before === undefined || t < before);
    };
  },
});
