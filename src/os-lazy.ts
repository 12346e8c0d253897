/**
 * node:os on first use. The everyday commands never ask for the host name or the user's home
 * folder (KMS_LOCAL_HOME is set), and loading node:os at start-up cost about 0.15 ms of each.
 */
import { builtinModule } from './builtin-module.js';

let os: typeof import('node:os') | undefined;

function loadOs(): typeof import('node:os') {
  return (os ??= builtinModule<typeof import('node:os')>('node:os'));
}

export const hostname = (): string => loadOs().hostname();
export const homedir = (): string => loadOs().homedir();
