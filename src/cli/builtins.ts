/**
 * The table of the lowercase built-in commands, beside the PascalCase operations of
 * src/api/operations.ts, and the source of truth for them: names, sub-commands, arguments, flags,
 * the output flags each takes, help pages and completion. builtin-dispatch.ts reads it to print
 * help, refuse a flag or argument the table does not list, and check output flags, all before a
 * handler runs; help.ts and completion.ts read it too. A new built-in is one entry here and a handler
 * in its own module.
 *
 * Handlers are imported statically: they are small, and every lazily imported module costs start-up
 * time twice over (its own file, and the shared chunks the bundler must split out of the operation
 * path for it). Only `serve` and `run`, which bring node:http and node:child_process, load on demand
 * (src/lazy.ts).
 */
import { SYSTEM_POLICIES } from '../core/access-policy.js';
import { runAudit } from './builtin-audit.js';
import { runCompletion } from './builtin-completion.js';
import { runConfigure } from './builtin-configure.js';
import { runHelp, runVersion } from './builtin-help.js';
import { runRekey } from './builtin-rekey.js';
import { runRotateDue } from './builtin-rotate-due.js';
import { runShim } from './builtin-shim.js';
import { runTarget } from './builtin-target.js';
import type { BuiltinFlag, BuiltinSpec, ToolFlag } from './builtin-spec.js';

export type { BuiltinFlag, BuiltinSpec, ToolFlag } from './builtin-spec.js';

/** The output flags as built-ins take them: the same words and meaning as on an operation. */
export const TOOL_FLAGS: Readonly<Record<ToolFlag, BuiltinFlag>> = {
  quiet: { name: 'quiet', short: 'q', help: 'print nothing on success' },
  'cli-query': { name: 'cli-query', value: '<JMESPath>', help: 'print only what the JMESPath expression selects from the JSON' },
  output: { name: 'output', short: 'o', value: 'cols=A,B [rows=..] [num=true]', help: 'print the JSON as a table' },
};

/** `--help`/`-h`, which every built-in answers before anything else. */
export const HELP_FLAG: BuiltinFlag = { name: 'help', short: 'h', help: 'print this page and do nothing else' };

const ALL_TOOLS: readonly ToolFlag[] = ['quiet', 'cli-query', 'output'];

const profileFlag = (help: string, required = false): BuiltinFlag => ({ name: 'profile', short: 'p', value: '<name>', help, required });
const regionFlag = (help: string): BuiltinFlag => ({ name: 'region', aliases: ['RegionId'], value: '<id>', help });

export const CONFIGURE_KEYS = ['profile', 'mode', 'access-key-id', 'access-key-secret', 'region', 'language'] as const;

export const builtinCommands: readonly BuiltinSpec[] = [
  {
    name: 'help',
    summary: 'this page, the parameters of an operation, or the usage of a command',
    args: [{ name: '[kms] [<Operation> | <command> [<sub-command>]]', help: 'what to show the help of', many: true }],
    run: (args, io) => runHelp(args, io),
  },
  {
    name: 'version',
    summary: 'the version of kms-local (also `kms-local --version` or `-V`)',
    run: (_args, io) => runVersion(io),
  },
  {
    name: 'configure',
    summary: 'profiles, as `aliyun configure`: region, output format and access key pair',
    synopsis: ['configure [--profile <name>]', 'configure get|set|list|switch|delete [flags]'],
    details:
      'With no sub-command, asks for the access key pair and the default region of a profile (the\n' +
      'current one, or --profile) and makes it the current profile. Not at a terminal, each answer is\n' +
      'one line of stdin. Profiles are kept in config.json of KMS_LOCAL_HOME; an access key secret is\n' +
      'never printed in full.',
    flags: [profileFlag('the profile to set up; else the current one')],
    run: (args, io) => runConfigure(args, io),
    subcommands: [
      {
        name: 'get',
        summary: 'print a profile as JSON (secret masked), or some of its keys',
        details:
          'With no key, prints the profile as JSON. With keys, prints key=value lines, except `region`,\n' +
          'which prints the bare region so that `$(kms-local configure get region)` captures it.',
        args: [{ name: '[<key>...]', help: 'keys to print', values: CONFIGURE_KEYS, many: true }],
        flags: [profileFlag('the profile to print; else the current one')],
        tools: ALL_TOOLS,
        run: (args, io) => runConfigure(args, io),
      },
      {
        name: 'set',
        summary: 'set keys of a profile without prompts, and make it the current profile',
        flags: [
          profileFlag('the profile to set; else the current one'),
          { name: 'mode', value: 'AK', help: 'the credential mode; kms-local supports AK only' },
          { name: 'access-key-id', value: '<id>', help: 'the AccessKey id (what `serve` accepts requests signed with)' },
          { name: 'access-key-secret', value: '<secret>', help: 'the AccessKey secret' },
          regionFlag('the default region of the profile'),
          { name: 'language', value: 'en|zh', help: 'kept for aliyun compatibility' },
          { name: 'extra-regions', value: '<id,id..>', help: 'private region ids to accept beside Alibaba Cloud\'s (replaces the list; "" clears it)' },
          { name: 'store', value: '<postgresql://...>|files', help: "where the home's secrets and keys live: a PostgreSQL database a team's hosts share, or the home's files (KMS_LOCAL_STORE wins)" },
          {
            name: 'policy',
            value: '<SystemPolicyName>|none',
            repeatable: true,
            help: `attach a system policy to the profile (${Object.keys(SYSTEM_POLICIES).join(', ')}); none detaches every policy`,
          },
          { name: 'policy-document', value: '<JSON>', help: 'attach a RAM policy document {"Version":"1","Statement":[...]} to the profile' },
          { name: 'policy-document-FILE', value: '<path>|-', help: 'attach the RAM policy document in a file (- reads stdin)' },
        ],
        tools: ['quiet'],
        run: (args, io) => runConfigure(args, io),
      },
      {
        name: 'list',
        summary: 'list the profiles as a table; * marks the current one',
        tools: ['quiet'],
        run: (args, io) => runConfigure(args, io),
      },
      {
        name: 'switch',
        summary: 'make another profile the current one',
        flags: [profileFlag('the profile to make current', true)],
        tools: ['quiet'],
        run: (args, io) => runConfigure(args, io),
      },
      {
        name: 'delete',
        summary: 'delete a profile',
        flags: [profileFlag('the profile to delete', true)],
        tools: ['quiet'],
        run: (args, io) => runConfigure(args, io),
      },
    ],
  },
  {
    name: 'audit',
    summary: 'the audit trail of mutating operations, as JSON lines',
    details:
      'Prints one JSON record per line, oldest first, exactly as stored, so that it pipes into jq or\n' +
      'grep. With --cli-query or --output the records are one JSON document, {"Records": [...]}:\n' +
      "  kms-local audit --cli-query 'Records[?operation==`DeleteSecret`].secretName'\n" +
      '  kms-local audit --output cols=time,operation,secretName rows=Records',
    flags: [
      { name: 'SecretName', value: '<name>', help: 'only the records of this secret (a name or an ARN)' },
      { name: 'KeyId', value: '<key-id>', help: 'only the records of this key (its id or ARN)' },
      { name: 'since', value: '<time|30m|24h|7d>', help: 'only records from this ISO-8601 time, or this long ago' },
    ],
    tools: ALL_TOOLS,
    run: (args, io) => runAudit(args, io),
  },
  {
    name: 'completion',
    summary: 'a shell completion script for kms-local and for `aliyun` (see `shim`)',
    details:
      'Load it with `source <(kms-local completion bash)`, or install it where your shell finds\n' +
      'completions. It completes operations, their parameters, commands and their flags, for the\n' +
      'kms-local command and for an `aliyun` command that runs kms-local (`kms-local shim`).',
    args: [{ name: '<shell>', help: 'the shell to complete for', values: ['bash', 'zsh'], required: true }],
    run: (args, io) => runCompletion(args, io),
  },
  {
    name: 'target',
    summary: 'where the servers behind dynamic secrets are, for rotation (no credentials kept)',
    synopsis: ['target add|list|remove [flags]'],
    details: 'A target tells rotation how to reach the instance a dynamic secret names. It holds no credential; where an admin account is needed (Redis, creating PolarDB accounts) it names a Generic secret of the home that holds one.',
    subcommands: [
      {
        name: 'add',
        summary: 'add or replace the target of an SSH server or Redis instance (--InstanceId) or a PostgreSQL/MySQL server (--DBInstanceId)',
        synopsis: [
          'target add --InstanceId <i-...> --Host <host> [--Port 22] [--HostKeyFingerprint SHA256:...]',
          'target add --DBInstanceId <rm-...|pc-...> --Engine postgresql|mysql|mariadb --Host <host> [--Port 5432|3306] [--Database <name>] [--AdminSecretName <secret>]',
          'target add --InstanceId <r-...> --Engine redis --Host <host> [--Port 6379] --AdminSecretName <secret>',
        ],
        details: 'Without --HostKeyFingerprint, the first rotation learns the host key and later ones insist on it.',
        flags: [
          { name: 'InstanceId', value: '<i-...|r-...>', help: 'the instance id an ECS secret (an SSH server) or, with --Engine redis, a Redis secret names' },
          { name: 'DBInstanceId', value: '<rm-...|pc-...>', help: 'the Rds instance id or PolarDB DBClusterId a secret names (a database server)' },
          { name: 'Engine', value: 'postgresql|mysql|mariadb|redis', help: 'the database engine' },
          { name: 'Host', value: '<host>', help: 'host name or address to connect to', required: true },
          { name: 'Port', value: '<port>', help: 'TCP port; 22 for SSH, 5432 for PostgreSQL, 3306 for MySQL, 6379 for Redis by default' },
          { name: 'HostKeyFingerprint', value: 'SHA256:...', help: 'the SSH host key, as `ssh-keygen -lf <key>.pub` prints it' },
          { name: 'Database', value: '<name>', help: 'the database to connect to; postgres for PostgreSQL, none for MySQL by default' },
          { name: 'AdminSecretName', value: '<secret>', help: 'a Generic secret holding {"AccountName","AccountPassword"} of an admin account: required for Redis, needed to create PolarDB accounts' },
        ],
        tools: ALL_TOOLS,
        run: (args, io) => runTarget(args, io),
      },
      {
        name: 'list',
        summary: 'print the targets as JSON',
        tools: ALL_TOOLS,
        run: (args, io) => runTarget(args, io),
      },
      {
        name: 'remove',
        summary: 'remove the target of an instance',
        synopsis: ['target remove --InstanceId <i-...> | --DBInstanceId <rm-...>'],
        flags: [
          { name: 'InstanceId', value: '<i-...|r-...>', help: 'the SSH server or Redis target to remove' },
          { name: 'DBInstanceId', value: '<rm-...>', help: 'the database target to remove' },
        ],
        tools: ALL_TOOLS,
        run: (args, io) => runTarget(args, io),
      },
    ],
  },
  {
    name: 'rotate-due',
    summary: 'rotate every ECS/Rds secret and key that is due, purge expired secrets; JSON summary',
    details:
      'Rotates every ECS and Rds secret whose NextRotationDate has passed (KMS_LOCAL_NOW overrides the\n' +
      'clock), makes a new version of every Enabled key with automatic rotation that is due, purges\n' +
      'secrets past their PlannedDeleteTime, and prints a JSON summary. Exit status 1 if any rotation\n' +
      'failed. Meant for cron, a systemd timer or a CI schedule (docs/rotation.md).',
    flags: [
      { name: 'dry-run', aliases: ['dryrun'], help: 'only list what it would do' },
      regionFlag('only this region; else every region of the home'),
    ],
    tools: ALL_TOOLS,
    run: (args, io) => runRotateDue(args, io),
  },
  {
    name: 'rekey',
    summary: 're-encrypt every secret under a new master key (resumable)',
    details:
      'Re-encrypts every secret under a new master key, with a progress bar on a terminal and a JSON\n' +
      'summary on stdout. Exit status 1 if any secret could not be moved; running it again finishes.\n' +
      'On a terminal it asks before it starts; a script must pass --yes (without it, and without a\n' +
      'terminal to ask on, it refuses and changes nothing).\n\n' +
      'The key it replaces is kept: master.key.<old key id> beside master.key in the home (0600), named\n' +
      'in the summary (OldKeyLocation). To go back, move every secret under the old key again:\n' +
      '  kms-local rekey --yes --NewMasterKeyFile ~/.kms-local/master.key.<old key id>\n' +
      '(the summary\'s GoBack field). Back up the new master.key: copies of the old key no longer open\n' +
      'the store. With the key in KMS_LOCAL_MASTER_KEY(_FILE), give the new one in\n' +
      'KMS_LOCAL_NEW_MASTER_KEY or --NewMasterKeyFile, and set the variable to it afterwards.',
    flags: [
      { name: 'NewMasterKeyFile', value: '<path>', help: 'take the new key from this file (32 bytes, base64) instead of making one' },
      { name: 'yes', short: 'y', help: 'do not ask for confirmation (required when stdin is not a terminal)' },
    ],
    tools: ALL_TOOLS,
    run: (args, io) => runRekey(args, io),
  },
  {
    name: 'store',
    summary: 'copy a whole store between homes\' files and PostgreSQL (resumable), or compare two',
    synopsis: ['store copy --to <URL> [--from <URL>] [--overwrite] [--dry-run]', 'store verify --to <URL> [--from <URL>]'],
    details:
      'A URL names a store: postgresql://user:password@host/db (or postgres://) a database, anything\n' +
      'else the files of a kms-local home (a path, or file:///path). The source is the current home\'s\n' +
      'store (KMS_LOCAL_STORE, else its files) unless --from names another. Both stores must use the\n' +
      'same master key: records are copied sealed, never opened (docs/team.md, "Moving a store").',
    subcommands: [
      {
        name: 'copy',
        summary: 'copy every region, secret, key, alias and principal to another store, then compare; JSON summary',
        details:
          'Copies every secret (all versions, stages, tags, policy, rotation and deletion state), every\n' +
          'key (versions, tags, policy) and every alias of every region, as stored: pending deletion or\n' +
          'not; and the principals (AccessKeys and their policies). What the destination already holds identically is skipped, so a copy that was\n' +
          'interrupted finishes when run again. A record the destination holds differently is refused\n' +
          '(nothing is copied) unless --overwrite is given. The destination is then read back and every\n' +
          'record compared (Verification); exit status 1 if any differs. One audit record (CopyStore)\n' +
          'is written on the destination. --dry-run prints what it would do and changes nothing.',
        flags: [
          { name: 'to', value: '<URL>', help: 'the store to copy to', required: true },
          { name: 'from', value: '<URL>', help: "the store to copy from; else the current home's store" },
          { name: 'overwrite', help: 'replace records the destination holds differently (they are lost)' },
          { name: 'dry-run', aliases: ['dryrun'], help: 'only count what it would copy, skip and refuse; change nothing' },
        ],
        tools: ALL_TOOLS,
        run: async (args, io) => (await import('../lazy.js')).runStoreCopy(args, io),
      },
      {
        name: 'verify',
        summary: 'compare every record of two stores (digests of their sealed form); exit 1 on a difference',
        details:
          'Reads every record of the source and of the destination and compares them; prints what is\n' +
          'missing or different at the destination. Records only the destination has are counted\n' +
          '(OnlyAtDestination), not a difference. Changes nothing on either side.',
        flags: [
          { name: 'to', value: '<URL>', help: 'the store to compare with the source', required: true },
          { name: 'from', value: '<URL>', help: "the source; else the current home's store" },
        ],
        tools: ALL_TOOLS,
        run: async (args, io) => (await import('../lazy.js')).runStoreVerify(args, io),
      },
    ],
  },
  {
    name: 'serve',
    summary: 'serve the KMS API over HTTP or HTTPS to SDK clients (signed requests only)',
    details:
      'Serves the KMS API (RPC style, version 2016-01-20) over HTTP or HTTPS to SDK clients and the aliyun CLI.\n' +
      'Requests must be signed (V1 HMAC-SHA1, ACS3-HMAC-SHA256 or ACS4-HMAC-SHA256) with the AccessKey\n' +
      'pair of a kms-local profile (kms-local configure set --profile p --access-key-id ... --access-key-secret ...)\n' +
      'or one listed in KMS_LOCAL_SERVE_ACCESS_KEYS=id:secret,id2:secret2. Runs until SIGINT or SIGTERM.',
    flags: [
      { name: 'host', value: '<address>', help: 'address to listen on; 127.0.0.1 by default' },
      { name: 'port', value: '<port>', help: 'TCP port; 8080 by default, 0 picks a free one' },
      { name: 'allow-remote', value: 'true', help: 'true to listen on an address other than loopback' },
      { name: 'tls', help: 'https with a self-signed certificate for the listening address, made on the first start and kept in the home (tls/<host>.crt); its path and SHA-256 fingerprint are printed for clients to trust' },
      { name: 'tls-cert', value: '<file>', help: 'https with this PEM certificate (chain); with --tls-key' },
      { name: 'tls-key', value: '<file>', help: 'the PEM private key of --tls-cert' },
      regionFlag('the region of requests that name none (SDK clients send no RegionId)'),
      profileFlag('the profile whose region is the default one'),
      // Its own meaning: the server always prints the line that says where it listens.
      { name: 'quiet', short: 'q', help: 'no line per request on stderr' },
    ],
    run: async (args, io) => (await import('../lazy.js')).runServe(args, io),
  },
  {
    name: 'run',
    summary: 'run a command with secret values in its environment',
    details:
      'Runs <command> with the ACSCurrent value of each secret in an environment variable, and exits\n' +
      'with its exit code. kms-local itself prints no value. A secret app/db-password goes to\n' +
      'APP_DB_PASSWORD: the name in uppercase, every character other than A-Z and 0-9 made _.',
    flags: [
      { name: 'SecretName', value: '<name>', help: 'a secret (name or ARN), in the variable named after it', repeatable: true },
      { name: 'Env', value: 'NAME=<secret>', help: 'put the secret in variable NAME instead', repeatable: true },
      { name: 'Spread', value: 'true', help: 'each secret holds a JSON object: every key K becomes a variable <VARIABLE>_<K>' },
      regionFlag('the region of the secrets'),
      profileFlag('the profile whose region is used'),
    ],
    passthrough: '-- <command> [args...]',
    run: async (_args, io, argv) => (await import('../lazy.js')).runRun(argv, io),
  },
  {
    name: 'shim',
    summary: 'write an `aliyun` executable that runs kms-local, for scripts: PATH=<dir>:$PATH ./script.sh',
    details:
      'Writes <dir>/aliyun, a small sh script that runs this kms-local with the node that runs it now\n' +
      '(both by absolute path), so that a script calling `aliyun kms ...` runs unchanged against the\n' +
      'local store, in non-interactive shells too (an alias reaches only interactive ones):\n' +
      '  kms-local shim --dir ~/.local/share/kms-local/bin\n' +
      '  PATH=~/.local/share/kms-local/bin:$PATH ./rotate.sh\n' +
      'A file there that is not a kms-local shim is kept unless --force is given.',
    flags: [
      { name: 'dir', value: '<dir>', help: 'the folder to write `aliyun` into (made if missing)', required: true },
      { name: 'force', help: 'replace a file named aliyun that is not a kms-local shim' },
    ],
    tools: ['quiet'],
    run: (args, io) => runShim(args, io),
  },
];

export function findBuiltin(name: string): BuiltinSpec | undefined {
  return builtinCommands.find((c) => c.name === name);
}
