/**
 * The path an upstream is likely to act on: percent-escapes decoded (repeatedly, so `%252e` too),
 * backslashes as slashes, runs of slashes merged, dot segments resolved (RFC 3986 §5.2.4). Policies
 * are checked against this as well as the raw path, so `/%61dmin`, `//admin`, `/x/..%2fadmin` or
 * `/%2e%2e/admin` cannot slip past an `http_path` rule that names `/admin`.
 */
export function normalizePath(path: string): string {
  // Nothing to decode, merge or resolve (almost every request): the path is already normal.
  if (
    path.charCodeAt(0) === 47 /* '/' */ &&
    !path.includes('%') &&
    !path.includes('\\') &&
    !path.includes('//') &&
    !path.includes('/.')
  ) {
    return path;
  }
  let p = path;
  for (let i = 0; i < 3 && p.includes('%'); i++) {
    const next = p.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    if (next === p) break;
    p = next;
  }
  p = p.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  const out: string[] = [];
  for (const seg of p.split('/').slice(1)) {
    if (seg === '..') out.pop();
    else if (seg !== '.') out.push(seg);
  }
  const last = p.split('/').pop();
  return `/${out.join('/')}${(last === '.' || last === '..') && out.length ? '/' : ''}`;
}
