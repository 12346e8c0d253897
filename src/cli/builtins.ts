/**
 * The lowercase built-in commands, beside the PascalCase operations. They are imported statically:
 * they are small, and every lazily imported module costs start-up time twice over (its own file,
 * and the shared chunks the bundler must split out of the operation path for it). Only `serve` and
 * `run`, which bring node:http and node:child_process, load on demand (src/lazy.ts).
 */
import { CliError } from '../errors/errors.js';
import { runAudit } from './builtin-audit.js';
import { runCompletion } from './builtin-completion.js';
import { runConfigure } from './builtin-configure.js';
import { runHelp, runVersion } from './builtin-help.js';
import { runRekey } from './builtin-rekey.js';
import { runRotateDue } from './builtin-rotate-due.js';
import { runTarget } from './builtin-target.js';
import type { CliIo } from './io.js';
import type { ParsedArgv } from './argv.js';

export interface BuiltinCommand {
  name: string;
  usage: string;
  summary: string;
  run: (args: ParsedArgv, io: CliIo) => Promise<number>;
  /** Takes argv as typed, before parsing (for `run`, whose `--` starts the command to run). */
  runRaw?: (argv: readonly string[], io: CliIo) => Promise<number>;
}

export const builtinCommands: readonly BuiltinCommand[] = [
  {
    name: 'help',
    usage: 'help [kms [<Operation>]]',
    summary: 'this page, or the parameters of an operation',
    run: (args, io) => runHelp(args, io),
  },
  {
    name: 'version',
    usage: 'version',
    summary: 'the version of kms-local',
    run: (_args, io) => runVersion(io),
  },
  {
    name: 'configure',
    usage: 'configure [get|set|list|switch|delete] [--profile <name>] [--region <id>]',
    summary: 'profiles, as `aliyun configure`: region, output format and access key pair',
    run: (args, io) => runConfigure(args, io),
  },
  {
    name: 'audit',
    usage: 'audit [--SecretName <name>] [--since <time|30m|24h|7d>]',
    summary: 'the audit trail of mutating operations, as JSON lines',
    run: (args, io) => runAudit(args, io),
  },
  {
    name: 'completion',
    usage: 'completion bash|zsh',
    summary: 'a shell completion script for operations and their parameters',
    run: (args, io) => runCompletion(args, io),
  },
  {
    name: 'target',
    usage: 'target add|list|remove [--InstanceId <i-..> | --DBInstanceId <rm-..>] [--Host ..] [--Port ..]',
    summary: 'where the servers behind ECS and Rds secrets are, for rotation (no credentials kept)',
    run: (args, io) => runTarget(args, io),
  },
  {
    name: 'rotate-due',
    usage: 'rotate-due [--dry-run] [--region <id>]',
    summary: 'rotate every ECS/Rds secret whose NextRotationDate has passed, purge expired secrets; JSON summary',
    run: async () => {
      throw new CliError('`rotate-due` must be the first word: kms-local rotate-due [--dry-run] [--region <id>]');
    },
    runRaw: (argv, io) => runRotateDue(argv, io),
  },
  {
    name: 'rekey',
    usage: 'rekey [--NewMasterKeyFile <path>]',
    summary: 're-encrypt every secret under a new master key (resumable)',
    run: (args, io) => runRekey(args, io),
  },
  {
    name: 'serve',
    usage: 'serve [--host 127.0.0.1] [--port 8080] [--allow-remote true]',
    summary: 'serve the KMS API over HTTP to SDK clients (signed requests only)',
    run: async (args, io) => (await import('../lazy.js')).runServe(args, io),
  },
  {
    name: 'run',
    usage: 'run --SecretName <name> [--Env NAME=<secret>] [--Spread true] -- <command> [args...]',
    summary: 'run a command with secret values in its environment',
    run: async () => {
      throw new CliError('`run` must be the first word: kms-local run --SecretName <name> -- <command> [args...]');
    },
    runRaw: async (argv, io) => (await import('../lazy.js')).runRun(argv, io),
  },
];

export function findBuiltin(name: string): BuiltinCommand | undefined {
  return builtinCommands.find((c) => c.name === name);
}
