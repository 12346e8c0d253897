/**
 * The aliyun CLI's global flags. kms-local acts on some and accepts the others (credentials,
 * endpoints, timeouts) so that scripts written for `aliyun kms` run unchanged.
 */

export interface GlobalFlag {
  name: string;
  short?: string;
  /** 'value': takes one value; 'none': a switch; 'fields': takes key=value words that follow it. */
  takes: 'value' | 'none' | 'fields';
  /** Accepted for compatibility; has no effect on a local store. */
  ignored?: boolean;
  repeatable?: boolean;
}

export const globalFlags: readonly GlobalFlag[] = [
  { name: 'region', takes: 'value' },
  { name: 'RegionId', takes: 'value' },
  { name: 'profile', short: 'p', takes: 'value' },
  { name: 'cli-query', takes: 'value' },
  { name: 'output', short: 'o', takes: 'fields' },
  { name: 'pager', takes: 'fields' },
  { name: 'waiter', takes: 'fields' },
  { name: 'quiet', short: 'q', takes: 'none' },
  { name: 'help', short: 'h', takes: 'none' },
  { name: 'dryrun', takes: 'none' },
  ...[
    'access-key-id', 'access-key-secret', 'sts-token', 'sts-region', 'mode', 'endpoint', 'endpoint-type',
    'read-timeout', 'connect-timeout', 'retry-count', 'config-path', 'language', 'version', 'user-agent',
    'log-level', 'method', 'ram-role-name', 'ram-role-arn', 'role-session-name', 'external-id',
    'source-profile', 'private-key', 'key-pair-name', 'expired-seconds',
  ].map((name): GlobalFlag => ({ name, takes: 'value', ignored: true })),
  { name: 'header', takes: 'value', ignored: true, repeatable: true },
  ...['secure', 'insecure', 'force', 'yes', 'skip-secure-verify'].map((name): GlobalFlag => ({ name, takes: 'none', ignored: true })),
];

const byName = new Map<string, GlobalFlag>();
for (const flag of globalFlags) {
  byName.set(flag.name, flag);
  if (flag.short) byName.set(flag.short, flag);
}

export function findGlobalFlag(name: string): GlobalFlag | undefined {
  return byName.get(name);
}

/** The key=value words `--output`, `--pager` and `--waiter` take. */
export const FIELD_WORD = /^(cols|rows|num|path|PageNumber|PageSize|TotalCount|NextToken|expr|to|timeout|interval)=/;
