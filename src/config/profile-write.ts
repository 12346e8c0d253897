/**
 * Writes the profile file with conf: atomic replacement, mode 0600, a schema check on every read
 * and write. Loaded only by `kms-local configure`; operations read the file with profile-read.ts.
 * Each change is a read-modify-write under an inter-process lock, so concurrent `configure set`
 * runs do not lose each other's profiles.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import type Conf from 'conf';
import { CliError } from '../errors/errors.js';
import type { Home } from '../store/home.js';
import { FILE_MODE } from '../store/fs-safe.js';
import { withLock } from '../store/lock.js';
import { CONFIG_FILE, CONFIGURE_TIP, type ProfileFile } from './profile-read.js';
import { importPackage } from '../import-package.js';

const text = { type: 'string' } as const;

/** Profiles may hold more fields (a copied ~/.aliyun/config.json does): they are kept as they are. */
const schema = {
  current: text,
  meta_path: text,
  store: text,
  profiles: {
    type: 'array',
    items: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 128 },
        mode: text,
        access_key_id: text,
        access_key_secret: text,
        region_id: text,
        output_format: text,
        language: text,
      },
    },
  },
} as const;

type ConfClass = typeof Conf;

function open(ConfImpl: ConfClass, root: string, configFile: string): Conf<ProfileFile> {
  return new ConfImpl<ProfileFile>({
    cwd: root,
    configName: configFile.replace(/\.json$/, ''),
    configFileMode: FILE_MODE,
    // conf's own types want a schema per key of ProfileFile; this one is checked by ajv at run time.
    schema: schema as never,
    clearInvalidConfig: false,
  });
}

function load(conf: Conf<ProfileFile>, tip: string): ProfileFile {
  let stored: Partial<ProfileFile>;
  try {
    stored = conf.store;
  } catch (err) {
    throw new CliError(`load configuration failed: ${conf.path}: ${(err as Error).message}`, { kind: 'withTip', tip });
  }
  const file: ProfileFile = { current: stored.current ?? '', profiles: [...(stored.profiles ?? [])], meta_path: stored.meta_path ?? '' };
  // The home's store setting (configure set --store) is kept through every other change.
  if (typeof stored.store === 'string') file.store = stored.store;
  return file;
}

/** Applies `change` to the profile file and saves it, under the file's lock. */
export async function updateProfileFile<T>(home: Home, change: (file: ProfileFile) => T): Promise<T> {
  // conf is an ES module only: imported, not required, so the CommonJS bundle can load it.
  const { default: ConfImpl } = await importPackage<typeof import('conf')>('conf');
  const root = home.root;
  home.ensure();
  return withLock(join(root, `${CONFIG_FILE}.lock`), 'the profile file', () => {
    const conf = open(ConfImpl, root, CONFIG_FILE);
    const file = load(conf, CONFIGURE_TIP);
    const result = change(file);
    try {
      conf.store = file;
    } catch (err) {
      throw new CliError(`save configuration failed: ${(err as Error).message}`);
    }
    // A file made earlier by hand keeps its mode through a rename; the profile file is 0600.
    chmodSync(conf.path, FILE_MODE);
    return result;
  });
}
