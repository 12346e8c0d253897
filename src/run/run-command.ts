/**
 * `kms-local run --SecretName a [--Env NAME=b] [--Spread true] -- command args`: reads each secret's
 * ACSCurrent value through the same operation path as `kms-local kms GetSecretValue`, starts the
 * command with the values in its environment, forwards signals to it and exits with its exit code
 * (128 + the signal number when a signal ended it, as shells report it). kms-local prints no value:
 * the child's stdio is the terminal's, and kms-local writes only its own errors.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { findOperation } from '../api/operations.js';
import { invoke } from '../api/invoke.js';
import { clockFrom } from '../api/context.js';
import { Home } from '../store/home.js';
import type { CliIo } from '../cli/io.js';
import type { ParsedArgv } from '../cli/argv.js';
import { regionFrom } from '../cli/run-operation.js';
import { CONFIG_FILE, selectProfile } from '../config/profile-read.js';
import { identityPolicies } from '../core/principals.js';
import { backendOf, closeBackendOf } from '../store/open-backend.js';
import type { Caller } from '../api/authorize.js';
import { buildVariables, parseRunArgv } from './environment.js';
import { findBuiltin } from '../cli/builtins.js';
import { builtinHelp } from '../cli/help.js';

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export async function runRun(argv: readonly string[], io: CliIo): Promise<number> {
  const request = parseRunArgv(argv);
  if (request === 'help') {
    // Not reached from the command line, where the built-ins' table answers --help first.
    io.stdout(builtinHelp([findBuiltin('run')!]));
    return 0;
  }
  const globals: ParsedArgv = { words: [], params: [], globals: new Map([...request.globals].map(([k, v]) => [k, [v]])) };
  const home = new Home(io.env, io.stderr);
  const region = regionFrom(globals, io);
  const op = findOperation('GetSecretValue')!;
  const values: string[] = [];
  try {
    const caller = await runCaller(home, globals, io);
    for (const { secretName } of request.secrets) {
      const response = await invoke(op, { SecretName: secretName }, { home, region, nowMs: clockFrom(io.env), caller });
      values.push(response.SecretData as string);
    }
  } finally {
    // A shared store's connections end before the command starts: it may run for days.
    await closeBackendOf(home);
  }
  const vars = buildVariables(request, values);
  return spawnWith(request.command, { ...io.env, ...Object.fromEntries(vars) }, io);
}

/**
 * The profile `run` acts as (--profile, ALIBABA_CLOUD_PROFILE, else the current one): the policies
 * its principal has in the store (the profile itself for the home's files, the shared principal
 * on a shared store) decide which secrets it may hand to a command. Without a profile there is no
 * one to restrict.
 */
async function runCaller(home: Home, globals: ParsedArgv, io: CliIo): Promise<Caller | undefined> {
  const profile = selectProfile(home.path(CONFIG_FILE), globals.globals.get('profile')?.[0], io.env, true);
  if (!profile) return undefined;
  const principal = await backendOf(home).principals().get(profile.name);
  return { profile: profile.name, policies: principal ? identityPolicies(principal.policies, principal.policyDocuments) : undefined };
}

function spawnWith(command: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    const done = (): void => {
      for (const signal of FORWARDED) process.off(signal, forward);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      // As a shell reports it: 127 when the command is not found, 126 when it cannot be run.
      io.stderr(`ERROR: cannot run '${file}': ${err.code ?? err.message}\n`);
      resolve(err.code === 'ENOENT' ? 127 : 126);
    });
    child.on('exit', (code, signal) => {
      done();
      if (signal) resolve(128 + (constants.signals[signal] ?? 0));
      else resolve(code ?? 1);
    });
  });
}
