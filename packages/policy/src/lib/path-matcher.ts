/** The path-shaped parts of a route. */
export interface PathRule {
  prefix?: string;
  path?: string;
  regex?: string;
}

/** Compiles a route's `prefix` / `path` / `regex` into one predicate over a request path (no query). */
export function pathMatcher(route: PathRule): (path: string) => boolean {
  const checks: ((p: string) => boolean)[] = [];
  if (route.prefix !== undefined && route.prefix !== '' && route.prefix !== '/') {
    const prefix = route.prefix;
    checks.push((p) => p.startsWith(prefix));
  }
  if (route.path !== undefined && route.path !== '') {
    const exact = route.path;
    checks.push((p) => p === exact);
  }
  if (route.regex !== undefined && route.regex !== '') {
    // Envoy's safe_regex matches the whole path.
    const re = new RegExp(`^(?:${route.regex})$`);
    checks.push((p) => re.test(p));
  }
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (p) => checks.every((c) => c(p));
}
