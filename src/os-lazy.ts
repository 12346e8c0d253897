/**
 * node:os on first use. The everyday commands never ask for the host name or the user's home
 * folder (KMS_LOCAL_HOME is set), and loading node:os at start-up cost about 0.15 ms of each.
 */
import { createRequire } from 'node:module';

let os: typeof import('node:os') | undefined;

function loadOs(): typeof import('node:os') {
  return (os ??= createRequire(import.meta.url)('node:os') as typeof import('node:os'));
}

export const hostname = (): string => loadOs().hostname();
export const homedir = (): string => loadOs().homedir();
