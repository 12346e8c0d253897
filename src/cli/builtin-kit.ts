/**
 * What configure, audit and completion share with the operation path (the home, the clock, the
 * profile reader, suggestions, the lock, the operation table), handed to them by main.ts. They are
 * bundled with the operation path now, but the profile writer they call is loaded lazily (it brings
 * conf), and a lazily loaded module that imported these itself would make the bundler (esbuild,
 * code splitting) move each of them out of the main chunk into a chunk of its own, which every
 * operation would then load at start-up. Only main.ts imports this module.
 */
import { clockFrom } from '../api/context.js';
import { operations } from '../api/operations.js';
import { flagNames } from '../api/params.js';
import { parseTime } from '../core/time.js';
import { CONFIG_FILE, CONFIGURE_TIP, DEFAULT_PROFILE, lastChars, mosaic, namedProfile, readProfileFile } from '../config/profile-read.js';
import { Home } from '../store/home.js';
import { withLock } from '../store/lock.js';
import { builtinCommands } from './builtins.js';
import type { CompletionModel } from './completion.js';
import { globalFlags } from './global-flags.js';
import type { CliIo } from './io.js';
import { suggest } from './suggest.js';

/** Named, not `import * as`: a namespace object needs a bundler helper that lands in a chunk of its own. */
const profiles = { CONFIG_FILE, CONFIGURE_TIP, DEFAULT_PROFILE, lastChars, mosaic, namedProfile, readProfileFile };

export interface BuiltinKit {
  home: Home;
  nowMs: () => number;
  parseTime: (text: string) => number | undefined;
  suggest: (word: string, candidates: readonly string[]) => string[];
  profiles: typeof profiles;
  withLock: typeof withLock;
  completionModel: () => CompletionModel;
}

/** Words completed after the built-in commands that have any. */
const COMMAND_WORDS: Record<string, { subcommands: string[]; flags: string[] }> = {
  configure: { subcommands: ['get', 'set', 'list', 'switch', 'delete'], flags: ['--profile', '--region', '--access-key-id', '--access-key-secret', '--language'] },
  audit: { subcommands: [], flags: ['--SecretName', '--since'] },
  completion: { subcommands: ['bash', 'zsh'], flags: [] },
};

/** The completion lists, read from the operation table, the built-ins and the global flags. */
export function completionModel(): CompletionModel {
  const acted = globalFlags.filter((f) => !f.ignored);
  return {
    operations: new Map(
      operations.map((op) => [op.name, op.params.filter((p) => !p.fromRegion).flatMap((p) => flagNames(p, '1')).map((n) => `--${n}`)]),
    ),
    commands: new Map(builtinCommands.map((c) => [c.name, COMMAND_WORDS[c.name] ?? { subcommands: [], flags: [] }])),
    globals: acted.map((f) => `--${f.name}`),
    switches: acted.filter((f) => f.takes === 'none').flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]),
  };
}

export function builtinKit(io: CliIo): BuiltinKit {
  return {
    home: new Home(io.env),
    nowMs: () => clockFrom(io.env),
    parseTime,
    suggest: (word, candidates) => suggest(word, candidates),
    profiles,
    withLock,
    completionModel,
  };
}
