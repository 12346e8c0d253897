/**
 * `kms-local configure` as `aliyun configure` (config/configure*.go): interactive set-up of a
 * profile, and `get`, `set`, `list`, `switch`, `delete`. An access key secret is never printed in
 * full. Reads go through profile-read.ts; only writes load conf (profile-write.ts).
 */
import { readFileSync } from 'node:fs';
import { CliError } from '../errors/errors.js';
import { checkIdentityPolicy, SYSTEM_POLICIES } from '../core/access-policy.js';
import { suggest } from './suggest.js';
import { CONFIG_FILE, DEFAULT_PROFILE, lastChars, mosaic, namedProfile, readProfileFile, withPrincipal, type Profile, type ProfileFile } from '../config/profile-read.js';
import { changesPrincipal, emptyPrincipal, type Principal, type PrincipalChange } from '../core/principals.js';
import { Home } from '../store/home.js';
import { backendOf, closeBackendOf } from '../store/open-backend.js';
import { putPrincipalInFile } from '../store/principals.js';
import type { StoreBackend } from '../store/backend.js';
import { isRegionId } from '../core/model.js';
import { tabwrite } from '../output/tabwriter.js';
import type { ParsedArgv } from './argv.js';
import { formatResponse } from './run-operation.js';
import type { CliIo } from './io.js';

const DEFAULT_REGION = 'cn-hangzhou';

function flag(args: ParsedArgv, name: string): string | undefined {
  return args.globals.get(name)?.[0];
}

function newProfile(name: string): Profile {
  return { name, mode: 'AK', access_key_id: '', access_key_secret: '', region_id: '', output_format: 'json', language: 'en' };
}

function putProfile(file: ProfileFile, profile: Profile): void {
  const at = file.profiles.findIndex((p) => p.name === profile.name);
  if (at < 0) file.profiles.push(profile);
  else file.profiles[at] = profile;
}

function checkProfile(profile: Profile): void {
  if (!profile.region_id) throw new CliError('fail to set configuration: region can\'t be empty');
  if (!isRegionId(profile.region_id)) throw new CliError(`fail to set configuration: invalid region ${profile.region_id}`);
  if (profile.mode && profile.mode !== 'AK') throw new CliError(`fail to set configuration: kms-local supports the AK mode only, not ${profile.mode}`);
}

async function write<T>(home: Home, change: (file: ProfileFile) => T): Promise<T> {
  const { updateProfileFile } = await import('../lazy.js');
  return updateProfileFile(home, change);
}

function read(home: Home): ProfileFile {
  // A planted link in place of config.json is refused before it is followed, as every write refuses it.
  home.checkSafe();
  return readProfileFile(home.path(CONFIG_FILE));
}

/** What `configure get` prints: the profile as Go's json.MarshalIndent prints it, secret masked. */
function shownProfile(profile: Profile, mosaic: (text?: string) => string): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...profile, access_key_secret: mosaic(profile.access_key_secret) };
  const order = ['name', 'mode', 'access_key_id', 'access_key_secret', 'region_id', 'output_format', 'language'];
  const sorted: Record<string, unknown> = {};
  for (const key of order) if (key in shown) sorted[key] = shown[key];
  for (const [key, value] of Object.entries(shown)) if (!(key in sorted) && !/secret|token|private_key/i.test(key)) sorted[key] = value;
  return sorted;
}

async function runGet(args: ParsedArgv, io: CliIo, home: Home): Promise<number> {
  const file = read(home);
  const name = namedProfile(flag(args, 'profile'), io.env) ?? (file.current || DEFAULT_PROFILE);
  const local = file.profiles.find((p) => p.name === name);
  const shared = sharedStore(home);
  const principal = shared ? await shared.principals().get(name) : undefined;
  // On a shared store, a principal set up on another host is shown although this host has no profile of that name.
  if (!local && !principal) throw new CliError(`profile ${name} not found`);
  const profile = withStorePrincipal(local ?? { name }, principal);
  const keys = args.words.slice(2);
  const tools = args.globals.has('cli-query') || args.globals.has('output');
  if (tools && keys.length > 0) throw new CliError('--cli-query and --output apply to the JSON profile; give them without keys.');
  if (tools) {
    io.stdout(await formatResponse(shownProfile(profile, mosaic), args));
    return 0;
  }
  if (keys.length === 0) {
    io.stdout(`${JSON.stringify(shownProfile(profile, mosaic), null, '\t')}\n\n`);
    return 0;
  }
  let out = '';
  for (const key of keys) {
    if (key === 'profile') out += `profile=${profile.name}\n`;
    else if (key === 'mode') out += `mode=${profile.mode ?? ''}\n`;
    else if (key === 'access-key-id') out += `access-key-id=${mosaic(profile.access_key_id)}\n`;
    else if (key === 'access-key-secret') out += `access-key-secret=${mosaic(profile.access_key_secret)}\n`;
    // As the aliyun CLI prints it: the bare region, so that `configure get region` can be captured.
    else if (key === 'region') out += profile.region_id ?? '';
    else if (key === 'language') out += `language=${profile.language ?? ''}\n`;
  }
  io.stdout(`${out}\n`);
  return 0;
}

/**
 * What `configure set` changes of the profile's principal: --access-key-id, --access-key-secret,
 * --policy names (or none), --policy-document[-FILE], checked first.
 */
function principalChangeOf(args: ParsedArgv, io: CliIo): PrincipalChange {
  const values = (name: string): string[] => args.params.filter((p) => p.name === name).map((p) => p.value);
  const names = values('policy');
  const detachAll = names.includes('none');
  if (detachAll && names.length > 1) throw new CliError('fail to set configuration: --policy none detaches every policy; give it alone.');
  for (const name of names) {
    if (name !== 'none' && !(name in SYSTEM_POLICIES)) {
      throw new CliError(`fail to set configuration: '${name}' is not a system policy of KMS.`, { kind: 'suggestible', suggestions: suggest(name, Object.keys(SYSTEM_POLICIES)) });
    }
  }
  const inline = values('policy-document')[0];
  const path = values('policy-document-FILE')[0];
  if (inline !== undefined && path !== undefined) throw new CliError('fail to set configuration: give --policy-document or --policy-document-FILE, not both.');
  const text = path === undefined ? inline : readDocument(path, io);
  const documents: string[] = [];
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError('fail to set configuration: the policy document is not valid JSON.');
    }
    try {
      documents.push(JSON.stringify(checkIdentityPolicy(parsed)));
    } catch (err) {
      throw new CliError(`fail to set configuration: ${(err as Error).message}`);
    }
  }
  const change: PrincipalChange = { policies: names.filter((n) => n !== 'none'), policyDocuments: documents };
  if (detachAll) change.detachAll = true;
  const accessKeyId = flag(args, 'access-key-id');
  const accessKeySecret = flag(args, 'access-key-secret');
  if (accessKeyId !== undefined) change.accessKeyId = accessKeyId;
  if (accessKeySecret !== undefined) change.accessKeySecret = accessKeySecret;
  return change;
}

function readDocument(path: string, io: CliIo): string {
  try {
    return (path === '-' ? io.readStdin() : readFileSync(path)).toString('utf8');
  } catch (err) {
    throw new CliError(`failed to read --policy-document-FILE '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `--extra-regions a,b`: the profile's private regions (region-id syntax only; they name store folders). */
function setExtraRegions(profile: Profile, given: string | undefined): void {
  if (given === undefined) return;
  const regions = given.split(',').map((r) => r.trim()).filter((r) => r !== '');
  const bad = regions.find((r) => !isRegionId(r));
  if (bad !== undefined) throw new CliError(`fail to set configuration: '${bad}' is not a region id (lowercase letters, digits and dashes).`);
  if (regions.length > 0) profile.extra_regions = [...new Set(regions)];
  else delete profile.extra_regions;
}

/**
 * `--store URL`: where the home's secrets and keys live, for every profile (the store is one per
 * home): a postgresql:// URL, or `files` (or "") for the home's own files. Not echoed: a URL may
 * hold a password (PGPASSWORD keeps it out of the file).
 */
function setStore(file: ProfileFile, given: string | undefined): void {
  if (given === undefined) return;
  if (given === '' || given === 'files') {
    delete file.store;
    return;
  }
  if (!/^postgres(ql)?:\/\//i.test(given)) throw new CliError("fail to set configuration: --store takes a postgresql:// (or postgres://) URL, or 'files'.");
  file.store = given;
}

/** The profile `configure set` leaves in the file, before its principal's fields: checked before anything is written. */
function setProfile(args: ParsedArgv, file: ProfileFile, name: string): Profile {
  const profile: Profile = { ...(file.profiles.find((p) => p.name === name) ?? newProfile(name)) };
  profile.mode = flag(args, 'mode') ?? profile.mode ?? 'AK';
  profile.region_id = flag(args, 'region') ?? flag(args, 'RegionId') ?? profile.region_id ?? '';
  profile.language = flag(args, 'language') ?? profile.language ?? 'en';
  profile.output_format = 'json';
  setExtraRegions(profile, args.params.find((p) => p.name === 'extra-regions')?.value);
  checkProfile(profile);
  return profile;
}

async function runSet(args: ParsedArgv, io: CliIo, home: Home): Promise<number> {
  // Before the profile file is read for the store it names: a planted link there is not followed.
  home.checkSafe();
  const change = principalChangeOf(args, io);
  const nameIn = (file: ProfileFile): string => flag(args, 'profile') ?? (file.current || DEFAULT_PROFILE);
  const store = args.params.find((p) => p.name === 'store')?.value;
  // `--store` alone is a setting of the home, not of a profile: no profile is made or checked.
  const profileFlags = ['profile', 'mode', 'access-key-id', 'access-key-secret', 'region', 'RegionId', 'language'];
  if (args.params.length > 0 && args.params.every((p) => p.name === 'store') && !profileFlags.some((f) => args.globals.has(f))) {
    await write(home, (file) => setStore(file, store));
    return 0;
  }
  if (store !== undefined) {
    // The store first (the profile checked before): the profile's principal goes to the store the home uses from now on.
    setProfile(args, read(home), nameIn(read(home)));
    await write(home, (file) => setStore(file, store));
  }
  const shared = sharedStore(home);
  if (!shared) {
    // The home's files: the profile and its principal are one entry of the file, written at once.
    await write(home, (file) => {
      const name = nameIn(file);
      putProfile(file, setProfile(args, file, name));
      putPrincipalInFile(file, name, change);
      file.current = name;
    });
    return 0;
  }
  // A shared store: the principal goes to the store (every host sees it, its secret sealed); the
  // file keeps this host's settings of the profile only. Checked before either is written.
  const current = read(home);
  const name = nameIn(current);
  setProfile(args, current, name);
  if (changesPrincipal(change)) await shared.principals().put(name, change);
  await write(home, (file) => {
    const profile = setProfile(args, file, name);
    putProfile(file, changesPrincipal(change) ? withoutPrincipal(profile) : profile);
    file.current = name;
  });
  return 0;
}

/** The store when it is shared (PostgreSQL), whose principals are not the profile file's. */
function sharedStore(home: Home): StoreBackend | undefined {
  // The store setting is read from the profile file: an unsafe home is refused before that read.
  home.checkSafe();
  const backend = backendOf(home);
  return backend.kind === 'files' ? undefined : backend;
}

/** A profile of the file with no AccessKey or policy of its own: a shared store holds its principal. */
function withoutPrincipal(profile: Profile): Profile {
  return withPrincipal(profile, emptyPrincipal(profile.name));
}

/** The profile as `configure get` and `list` show it: on a shared store, with its principal's AccessKey and policies. */
function withStorePrincipal(profile: Profile, principal: Principal | undefined): Profile {
  return principal ? withPrincipal(profile, principal) : profile;
}

async function runList(io: CliIo, home: Home): Promise<number> {
  const file = read(home);
  const shared = sharedStore(home);
  if (shared) {
    const principals = new Map((await shared.principals().list()).map((p) => [p.profile, p]));
    file.profiles = file.profiles.map((p) => withStorePrincipal(p, principals.get(p.name)));
  }
  let table = 'Profile\t| Credential \t| Valid\t| Region\t| Language\n';
  table += '---------\t| ------------------\t| -------\t| ----------------\t| --------\n';
  for (const p of file.profiles) {
    const name = p.name === file.current ? `${p.name} *` : p.name;
    const valid = p.region_id && isRegionId(p.region_id) ? 'Valid' : 'Invalid';
    const cred = (p.mode ?? 'AK') === 'AK' ? `AK:***${lastChars(p.access_key_id)}` : `${p.mode}:***`;
    table += `${name}\t| ${cred}\t| ${valid}\t| ${p.region_id ?? ''}\t| ${p.language ?? ''}\n`;
  }
  io.stdout(tabwrite(table, { minwidth: 8, padding: 1, padchar: ' ', debug: false }));
  return 0;
}

async function runSwitch(args: ParsedArgv, io: CliIo, home: Home): Promise<number> {
  const name = flag(args, 'profile');
  if (name === undefined) throw new CliError('the --profile <profileName> is required');
  await write(home, (file) => {
    if (!file.profiles.some((p) => p.name === name)) throw new CliError(`the profile \`${name}\` is inexist`);
    file.current = name;
  });
  io.stdout(`The default profile is \`${name}\` now.\n`);
  return 0;
}

async function runDelete(args: ParsedArgv, home: Home): Promise<number> {
  const name = flag(args, 'profile');
  if (name === undefined) {
    throw new CliError('missing --profile <profileName>', { tip: 'usage:\n  kms-local configure delete --profile <profileName>' });
  }
  const shared = sharedStore(home);
  // On a shared store the principal goes too: its AccessKey is refused by every host from then on.
  const removedShared = shared ? await shared.principals().remove(name) : false;
  await write(home, (file) => {
    const kept = file.profiles.filter((p) => p.name !== name);
    if (kept.length === file.profiles.length) {
      if (removedShared) return;
      throw new CliError(`error: configuration profile \`${name}\` not found`);
    }
    file.profiles = kept;
    if (file.current === name) file.current = kept[0]?.name ?? DEFAULT_PROFILE;
  });
  return 0;
}

/** Answers to the prompts: typed at a terminal, else one line of stdin each (for scripts). */
function answerReader(io: CliIo): (question: string) => Promise<string> {
  if (io.stdinIsTty && io.ask) return io.ask;
  let lines: string[] | undefined;
  return async (question) => {
    io.stdout(question);
    lines ??= io.readStdin().toString('utf8').split(/\r?\n/);
    return lines.shift() ?? '';
  };
}

async function runInteractive(args: ParsedArgv, io: CliIo, home: Home): Promise<number> {
  const file = read(home);
  const name = flag(args, 'profile') ?? (file.current || DEFAULT_PROFILE);
  const shared = sharedStore(home);
  const principal = shared ? await shared.principals().get(name) : undefined;
  const profile: Profile = { ...withStorePrincipal(file.profiles.find((p) => p.name === name) ?? newProfile(name), principal), mode: 'AK' };
  const ask = answerReader(io);
  const answer = async (question: string, current: string): Promise<string> => (await ask(question)).trim() || current;

  io.stdout(`Configuring profile '${name}' in 'AK' authenticate mode...\n`);
  profile.access_key_id = await answer(`Access Key Id [${mosaic(profile.access_key_id)}]: `, profile.access_key_id ?? '');
  profile.access_key_secret = await answer(`Access Key Secret [${mosaic(profile.access_key_secret)}]: `, profile.access_key_secret ?? '');
  const region = profile.region_id || DEFAULT_REGION;
  profile.region_id = await answer(`Default Region Id [${region}]: `, region);
  io.stdout('Default Output Format [json]: json (Only support json)\n');
  profile.output_format = 'json';
  checkProfile(profile);
  io.stdout(`Saving profile[${name}] ...`);
  const change: PrincipalChange = { accessKeyId: profile.access_key_id ?? '', accessKeySecret: profile.access_key_secret ?? '' };
  if (shared) await shared.principals().put(name, change);
  await write(home, (latest) => {
    putProfile(latest, shared ? withoutPrincipal(profile) : profile);
    // An AccessKeyId another profile holds is refused (the home's files: checked here, under the file's lock).
    if (!shared) putPrincipalInFile(latest, name, change);
    latest.current = name;
  });
  io.stdout('Done.\n');
  return 0;
}

export async function runConfigure(args: ParsedArgv, io: CliIo): Promise<number> {
  const home = new Home(io.env);
  try {
    return await configure(args, io, home);
  } finally {
    // A shared store's connections end with the command, so the process exits at once.
    await closeBackendOf(home);
  }
}

async function configure(args: ParsedArgv, io: CliIo, home: Home): Promise<number> {
  const sub = args.words[1];
  // Flags, arguments and sub-commands were checked against the built-ins' table (builtin-dispatch.ts).
  switch (sub) {
    case undefined:
      return runInteractive(args, io, home);
    case 'get':
      return runGet(args, io, home);
    case 'set':
      return runSet(args, io, home);
    case 'list':
      return await runList(io, home);
    case 'switch':
      return runSwitch(args, io, home);
    case 'delete':
      return runDelete(args, home);
    default:
      // The built-ins' table lists the sub-commands; builtin-dispatch.ts refuses others before this runs.
      throw new Error(`configure has no sub-command ${sub}`);
  }
}
