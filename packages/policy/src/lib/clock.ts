/** Local wall-clock parts of an instant in a time zone. */
export interface ZonedTime {
  /** 0 = Sunday … 6 = Saturday. */
  day: number;
  /** Milliseconds since local midnight. */
  msOfDay: number;
}

const DAY_MS = 86_400_000;
/** UTC offsets change on quarter-hour boundaries at the finest, so an offset is reused within one. */
const BUCKET_MS = 15 * 60_000;

/** Returns a function that converts instants to local time in `timeZone`, caching the offset. */
export function zonedClock(timeZone: string): (now: number) => ZonedTime {
  if (timeZone.toUpperCase() === 'UTC' || timeZone === 'Etc/UTC') return (now) => fromUtc(now, 0);
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  let bucket = Number.NaN;
  let offset = 0;
  return (now) => {
    const b = Math.floor(now / BUCKET_MS);
    if (b !== bucket) {
      bucket = b;
      const start = b * BUCKET_MS;
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(start))
        if (part.type !== 'literal') p[part.type] = Number(part.value);
      const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
      offset = local - start;
    }
    return fromUtc(now, offset);
  };
}

function fromUtc(now: number, offset: number): ZonedTime {
  const local = now + offset;
  const days = Math.floor(local / DAY_MS);
  // 1970-01-01 was a Thursday (4).
  return { day: (((days + 4) % 7) + 7) % 7, msOfDay: local - days * DAY_MS };
}

/** True when `timeZone` is a zone Intl knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
