/** The lowercase built-in commands, beside the PascalCase operations. */
import type { CliIo } from './io.js';
import type { ParsedArgv } from './argv.js';

export interface BuiltinCommand {
  name: string;
  usage: string;
  summary: string;
  run: (args: ParsedArgv, io: CliIo) => Promise<number>;
}

export const builtinCommands: readonly BuiltinCommand[] = [
  {
    name: 'help',
    usage: 'help [kms [<Operation>]]',
    summary: 'this page, or the parameters of an operation',
    run: async (args, io) => (await import('./builtin-help.js')).runHelp(args, io),
  },
  {
    name: 'version',
    usage: 'version',
    summary: 'the version of kms-local',
    run: async (_args, io) => (await import('./builtin-help.js')).runVersion(io),
  },
  {
    name: 'configure',
    usage: 'configure [get|set|list|switch|delete] [--profile <name>] [--region <id>]',
    summary: 'profiles, as `aliyun configure`: region, output format and access key pair',
    run: async (args, io) => (await import('./builtin-configure.js')).runConfigure(args, io),
  },
  {
    name: 'audit',
    usage: 'audit [--SecretName <name>] [--since <time|30m|24h|7d>]',
    summary: 'the audit trail of mutating operations, as JSON lines',
    run: async (args, io) => (await import('./builtin-audit.js')).runAudit(args, io),
  },
  {
    name: 'completion',
    usage: 'completion bash|zsh',
    summary: 'a shell completion script for operations and their parameters',
    run: async (args, io) => (await import('./builtin-completion.js')).runCompletion(args, io),
  },
  {
    name: 'target',
    usage: 'target add|list|remove [--InstanceId <i-..> | --DBInstanceId <rm-..>] [--Host ..] [--Port ..]',
    summary: 'where the servers behind ECS and Rds secrets are, for rotation (no credentials kept)',
    run: async (args, io) => (await import('./builtin-target.js')).runTarget(args, io),
  },
];

export function findBuiltin(name: string): BuiltinCommand | undefined {
  return builtinCommands.find((c) => c.name === name);
}
