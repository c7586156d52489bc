/** One problem in a config file, located as precisely as we can. */
export interface ConfigIssue {
  file: string;
  /** Key path, e.g. `routes[0].policy[0].allow.and[0].email`. */
  path: string;
  line?: number;
  column?: number;
  message: string;
  /** What to do about it. */
  hint?: string;
}

export const ERR_CONFIG_INVALID = 'DRAWBRIDGE_CONFIG_INVALID';
export const ERR_CONFIG_UNREADABLE = 'DRAWBRIDGE_CONFIG_UNREADABLE';

/** Thrown when a config cannot be used; `issues` says where and why. */
export class ConfigError extends Error {
  readonly code: string;
  readonly issues: ConfigIssue[];
  constructor(code: string, issues: ConfigIssue[], opts: { cause?: unknown } = {}) {
    super(formatIssues(issues), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ConfigError';
    this.code = code;
    this.issues = issues;
  }
}

/** `file:line:col: path: message (hint)` — one line per issue, the shape editors and CI logs link. */
export function formatIssues(issues: ConfigIssue[]): string {
  return issues
    .map((i) => {
      const at =
        i.line === undefined ? i.file : `${i.file}:${i.line}${i.column === undefined ? '' : `:${i.column}`}`;
      const where = i.path ? ` ${i.path}:` : '';
      return `${at}:${where} ${i.message}${i.hint ? ` — ${i.hint}` : ''}`;
    })
    .join('\n');
}
