/** The value of cookie `name` in a Cookie header, without allocating a parsed map. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const needle = `${name}=`;
  let i = 0;
  while (i < header.length) {
    while (header.charCodeAt(i) === 32) i++;
    const end = header.indexOf(';', i);
    const stop = end < 0 ? header.length : end;
    if (header.startsWith(needle, i)) return header.slice(i + needle.length, stop);
    i = stop + 1;
  }
  return undefined;
}

/** The Cookie header without cookie `name`, so the session cookie never reaches an upstream. */
export function withoutCookie(header: string, name: string): string | undefined {
  if (!header.includes(`${name}=`)) return header;
  const kept = header
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c.length > 0 && !c.startsWith(`${name}=`));
  return kept.length > 0 ? kept.join('; ') : undefined;
}
