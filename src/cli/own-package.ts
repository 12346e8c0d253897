/**
 * kms-local's own package: the nearest package.json above this module whose name is kms-local. The
 * compiled module sits at dist/cli/, the bundle at dist/bundle/, so a fixed relative path breaks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface OwnPackage {
  version: string;
  /** The folder of package.json, as a file system path. */
  root: string;
}

export function ownPackage(): OwnPackage {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'kms-local') return { version: pkg.version, root: fileURLToPath(dir) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (dir.pathname === '/') throw new Error('cannot find the package.json of kms-local');
  }
}
