/**
 * `kms-local store copy` and `store verify`: a whole store (every region's secrets, keys and alias
 * table, the principals, the account id) from one StoreBackend to another, through the store interface only, so any pair of
 * stores works: a home's files, another home's files, PostgreSQL.
 *
 * Records are copied as they are stored: sealed under the master key, never opened (the two stores
 * must be under the same key; the destination is read and written under the source's). They are
 * read raw (`peek`, `names`, `keyIds`): a secret or key pending deletion, or past its deletion date
 * by a rehearsal clock, is copied like any other, and nothing is purged on the source. Principals
 * are the exception: the interface gives them opened (see principalsOf).
 *
 * Resumable: a plan compares every record first (src/core/store-copy.ts decides), then each write
 * is one read-modify-write under the destination's lock that checks the destination still holds
 * what the plan saw. A copy killed midway leaves whole records only; run again, it skips what is
 * there and copies the rest. It ends by reading the destination back and comparing every record.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { KeyRecord } from '../core/keys.js';
import type { SecretRecord } from '../core/model.js';
import type { Principal } from '../core/principals.js';
import {
  compareDigests,
  countDecision,
  decideCopy,
  noCounts,
  stillAsPlanned,
  verified,
  type CopyCounts,
  type CopyDecision,
  type RecordRef,
  type VerifyResult,
} from '../core/store-copy.js';
import { formatTime } from '../core/time.js';
import { CliError, ServiceError } from '../errors/errors.js';
import type { Keyring } from '../crypto/envelope.js';
import type { AliasRecord, StoreBackend } from './backend.js';
import { MASTER_KEY_FILE, type Home } from './home.js';
import { canonicalJson } from './secret-file.js';
import { createFileOnce, writeFileAtomic } from './fs-safe.js';

/** One side of a copy: a store, and the home whose keys (and, for files, whose folder) it goes with. */
export interface StoreSide {
  /** How the summary names it: `files:<path>` or a PostgreSQL URL without its password. */
  label: string;
  backend: StoreBackend;
  home: Home;
  /** For a home's files: its folder (its account id and master key file live there). */
  filesRoot?: string;
}

type Kind = 'Secret' | 'Key' | 'Alias' | 'Principal';

interface Held<R> {
  ref: RecordRef;
  record: R;
  digest: string;
}

interface RegionRecords {
  Secret: Map<string, Held<SecretRecord>>;
  Key: Map<string, Held<KeyRecord>>;
  Alias: Map<string, Held<AliasRecord>>;
}

type Snapshot = Map<string, RegionRecords>;

/** The digest of a record's canonical sealed form, bound to its kind and region. */
function digestOf(kind: Kind, region: string, record: unknown): string {
  return createHash('sha256').update(canonicalJson({ kind, region, record })).digest('hex');
}

function held<R>(kind: Kind, region: string, id: string, record: R): Held<R> {
  return { ref: { Region: region, Kind: kind, Id: id }, record, digest: digestOf(kind, region, record) };
}

/** Records are read raw and whatever the clock: nothing here is filtered or purged by time. */
const realClock = (): number => Date.now();

/** Every record of a store, read raw. */
async function snapshot(side: StoreSide, describeFailure: (ref: string, err: ServiceError) => Error): Promise<Snapshot> {
  const result: Snapshot = new Map();
  for (const region of await side.backend.regions()) {
    const records: RegionRecords = { Secret: new Map(), Key: new Map(), Alias: new Map() };
    const secrets = side.backend.secrets(region, realClock);
    const keys = side.backend.keys(region, realClock);
    const read = async <T>(what: string, load: () => Promise<T>): Promise<T> => {
      try {
        return await load();
      } catch (err) {
        if (err instanceof ServiceError) throw describeFailure(`${what} in ${region}`, err);
        throw err;
      }
    };
    for (const name of (await secrets.names()).sort()) {
      const record = await read(`secret '${name}'`, () => secrets.peek(name));
      if (record) records.Secret.set(name, held('Secret', region, name, record));
    }
    for (const keyId of await keys.keyIds()) {
      const record = await read(`key '${keyId}'`, () => keys.peek(keyId));
      if (record) records.Key.set(keyId, held('Key', region, keyId, record));
    }
    for (const alias of await read('the alias table', () => keys.readAliases())) {
      records.Alias.set(alias.aliasName, held('Alias', region, alias.aliasName, alias));
    }
    result.set(region, records);
  }
  return result;
}

/**
 * The principals of a store that hold anything (an AccessKey or a policy): a profile that only
 * names a region is the host's setting, not the store's. Unlike secrets and keys, a principal is
 * compared and copied as the interface gives it, with its AccessKey secret: the home's files keep
 * it in config.json as the aliyun CLI does, a database sealed; the destination seals it its way.
 */
async function principalsOf(side: StoreSide, describeFailure: (ref: string, err: ServiceError) => Error): Promise<Map<string, Held<Principal>>> {
  let all: Principal[];
  try {
    all = await side.backend.principals().list();
  } catch (err) {
    if (err instanceof ServiceError) throw describeFailure('principals', err);
    throw err;
  }
  const kept = all.filter((p) => p.accessKeyId !== '' || p.accessKeySecret !== '' || p.policies.length > 0 || p.policyDocuments.length > 0);
  return new Map(kept.map((p) => [p.profile, held('Principal', '-', p.profile, p)]));
}

/** Every record of a snapshot, by a stable id, for comparing two stores. */
function digestsOf(store: Snapshot, principals: Map<string, Held<Principal>>): Map<string, { ref: RecordRef; digest: string }> {
  const all = new Map<string, { ref: RecordRef; digest: string }>();
  for (const [profile, { ref, digest }] of principals) all.set(`-\0Principal\0${profile}`, { ref, digest });
  for (const [region, records] of store) {
    for (const kind of ['Secret', 'Key', 'Alias'] as const) {
      for (const [id, { ref, digest }] of records[kind]) all.set(`${region}\0${kind}\0${id}`, { ref, digest });
    }
  }
  return all;
}

/** The sealed records of a store, as the master key a record was sealed under names it. */
function keyIdsOf(record: SecretRecord | KeyRecord): string[] {
  return 'keyId' in record ? record.versions.map((v) => v.material.keyId) : record.versions.map((v) => v.payload.keyId);
}

// --- the master key --------------------------------------------------------------------------

/** A home's master key if it has one, without making one (which `home.keys()` would do). */
function existingKeys(home: Home): Keyring | undefined {
  if (home.managesKey() && !existsSync(home.path(MASTER_KEY_FILE))) return undefined;
  return home.keys();
}

export interface KeyPlan {
  keys: Keyring;
  /** A files destination that has no key file yet gets a copy of the source's (its path). */
  copyKeyFile?: { from: string; to: string };
}

/**
 * Both stores must be under one master key: records are copied sealed. The destination is read and
 * written under the source's key from here on; a destination home whose key file holds another key
 * is refused, before anything is read from it.
 */
export function planKeys(from: StoreSide, to: StoreSide): KeyPlan {
  const keys = existingKeys(from.home);
  if (!keys) {
    throw new CliError(
      `the source store (${from.label}) has no master key: not in KMS_LOCAL_MASTER_KEY, not in KMS_LOCAL_MASTER_KEY_FILE, not in ${from.home.path(MASTER_KEY_FILE)}. Nothing was copied.`,
    );
  }
  if (from.home.nextKeys()) {
    throw new CliError(`the source store (${from.label}) is in the middle of a rekey: finish it first (kms-local rekey --yes), then copy. Nothing was copied.`);
  }
  const plan: KeyPlan = { keys };
  if (to.filesRoot !== undefined && to.home.managesKey()) {
    const theirs = existingKeys(to.home);
    if (theirs && theirs.keyId !== keys.keyId) {
      throw new CliError(
        `the destination home ${to.filesRoot} uses master key ${theirs.keyId} (${to.home.path(MASTER_KEY_FILE)}), the source ${keys.keyId}: records are copied sealed, so both must use the same key. Copy to a home without a key file, or rekey one side to the other's key first. Nothing was copied.`,
      );
    }
    if (!theirs) plan.copyKeyFile = { from: from.home.path(MASTER_KEY_FILE), to: to.home.path(MASTER_KEY_FILE) };
  }
  if (to.home.nextKeys()) {
    throw new CliError(`the destination store (${to.label}) is in the middle of a rekey: finish it first (kms-local rekey --yes). Nothing was copied.`);
  }
  to.home.useKeys(keys);
  return plan;
}

function destinationUnreadable(to: StoreSide, keys: Keyring) {
  return (what: string, err: ServiceError): Error =>
    new CliError(
      `the destination's ${what} cannot be read under the source's master key ${keys.keyId}: ${err.message} Both stores must use the same master key; nothing was copied.`,
    );
}

function sourceUnreadable(from: StoreSide) {
  return (what: string, err: ServiceError): Error => new CliError(`the source's ${what} cannot be read (${from.label}): ${err.message} Nothing was copied.`);
}

// --- the account id ----------------------------------------------------------------------------

/**
 * The account id a store's ARNs name, without making one: a home's files keep it in `account-id`,
 * a database in its schema (opening it reads that, and creates nothing).
 */
async function accountIdOf(side: StoreSide): Promise<string | undefined> {
  if (side.filesRoot === undefined) {
    await side.backend.open();
    return side.home.knownAccountId();
  }
  try {
    const text = readFileSync(side.home.path('account-id'), 'utf8').trim();
    return text === '' ? undefined : text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

// --- the plan ------------------------------------------------------------------------------------

interface PlannedWrite<R> {
  decision: Exclude<CopyDecision, 'conflict'>;
  source: Held<R>;
  /** The destination's digest the plan saw (undefined: none). */
  planned: string | undefined;
}

interface RegionPlan {
  Secret: PlannedWrite<SecretRecord>[];
  Key: PlannedWrite<KeyRecord>[];
  Alias: PlannedWrite<AliasRecord>[];
}

interface Conflict {
  ref: RecordRef;
  detail: string;
}

function conflictDetail(kind: Kind, source: unknown, destination: unknown): string {
  if (kind === 'Secret') {
    const [s, d] = [source as SecretRecord, destination as SecretRecord];
    const newer = d.updateTime > s.updateTime ? ' (the destination\'s is newer)' : '';
    return `updated ${d.updateTime} at the destination, ${s.updateTime} at the source${newer}`;
  }
  if (kind === 'Key') {
    const [s, d] = [source as KeyRecord, destination as KeyRecord];
    return `${d.versions.length} version(s), ${d.state} at the destination; ${s.versions.length}, ${s.state} at the source`;
  }
  return `names key ${(destination as AliasRecord).keyId} at the destination, ${(source as AliasRecord).keyId} at the source`;
}

function planRegion(source: RegionRecords, destination: RegionRecords | undefined, overwrite: boolean, conflicts: Conflict[]): RegionPlan {
  const plan: RegionPlan = { Secret: [], Key: [], Alias: [] };
  const add = <R>(kind: Kind, writes: PlannedWrite<R>[], from: Map<string, Held<R>>, there: Map<string, Held<R>> | undefined) => {
    for (const [id, item] of from) {
      const existing = there?.get(id);
      const decision = decideCopy(item.digest, existing?.digest, overwrite);
      if (decision === 'conflict') conflicts.push({ ref: item.ref, detail: conflictDetail(kind, item.record, existing!.record) });
      else writes.push({ decision, source: item, planned: existing?.digest });
    }
  };
  add('Key', plan.Key, source.Key, destination?.Key);
  add('Alias', plan.Alias, source.Alias, destination?.Alias);
  add('Secret', plan.Secret, source.Secret, destination?.Secret);
  return plan;
}

/** The principals, planned like records; an AccessKeyId another profile holds there is a conflict, --overwrite or not. */
function planPrincipals(source: Map<string, Held<Principal>>, destination: Map<string, Held<Principal>>, overwrite: boolean, conflicts: Conflict[]): PlannedWrite<Principal>[] {
  const writes: PlannedWrite<Principal>[] = [];
  for (const [profile, item] of source) {
    const holder = [...destination.values()].find((d) => d.record.profile !== profile && item.record.accessKeyId !== '' && d.record.accessKeyId === item.record.accessKeyId);
    if (holder) {
      conflicts.push({ ref: item.ref, detail: `its AccessKeyId is profile ${holder.record.profile}'s at the destination, and an AccessKey names one caller (change that profile there first)` });
      continue;
    }
    const existing = destination.get(profile);
    const decision = decideCopy(item.digest, existing?.digest, overwrite);
    if (decision === 'conflict') conflicts.push({ ref: item.ref, detail: 'another AccessKey or other policies at the destination' });
    else writes.push({ decision, source: item, planned: existing?.digest });
  }
  return writes;
}

// --- the summary -------------------------------------------------------------------------------

export interface RegionCounts {
  Aliases: CopyCounts;
  Keys: CopyCounts;
  Secrets: CopyCounts;
}

export interface CopySummary {
  From: string;
  To: string;
  DryRun: boolean;
  MasterKeyId: string;
  /** The account id the destination's ARNs name, when the stores keep one in files. */
  AccountId?: string;
  /** Where the source's master key file was copied to (a files destination without one). */
  MasterKeyCopiedTo?: string;
  Regions: Record<string, RegionCounts>;
  Totals: RegionCounts;
  /** The principals (profiles with an AccessKey or policies), which belong to no region. */
  Principals: CopyCounts;
  /** The destination read back and compared with the source; absent in a dry run. */
  Verification?: VerifyResult & { Verified: boolean };
}

export interface VerifySummary extends VerifyResult {
  From: string;
  To: string;
  MasterKeyId: string;
  Verified: boolean;
}

const noRegionCounts = (): RegionCounts => ({ Aliases: noCounts(), Keys: noCounts(), Secrets: noCounts() });
const COUNT_OF: Record<Exclude<Kind, 'Principal'>, keyof RegionCounts> = { Secret: 'Secrets', Key: 'Keys', Alias: 'Aliases' };

function addTotals(totals: RegionCounts, region: RegionCounts): void {
  for (const kind of ['Aliases', 'Keys', 'Secrets'] as const) {
    for (const count of ['Copied', 'Skipped', 'Overwritten'] as const) totals[kind][count] += region[kind][count];
  }
}

function changedMeanwhile(ref: RecordRef): CliError {
  return new CliError(
    `the destination's ${ref.Kind.toLowerCase()} '${ref.Id}' in ${ref.Region} changed while the copy ran: it was left as it is. Run the copy again to see the difference.`,
  );
}

// --- copy and verify -------------------------------------------------------------------------------

export interface CopyOptions {
  dryRun: boolean;
  overwrite: boolean;
  /** The time audit records carry (the request clock, KMS_LOCAL_NOW when rehearsing). */
  nowMs: number;
  progress?: (done: number, total: number) => void;
}

export async function copyStore(from: StoreSide, to: StoreSide, options: CopyOptions): Promise<CopySummary> {
  const keyPlan = planKeys(from, to);
  const source = await snapshot(from, sourceUnreadable(from));
  for (const records of source.values()) {
    for (const item of [...records.Secret.values(), ...records.Key.values()]) {
      if (keyIdsOf(item.record).some((id) => id !== keyPlan.keys.keyId)) {
        throw new CliError(`the source's ${item.ref.Kind.toLowerCase()} '${item.ref.Id}' in ${item.ref.Region} is not under the current master key: finish the rekey first (kms-local rekey --yes). Nothing was copied.`);
      }
    }
  }
  const destination = await snapshot(to, destinationUnreadable(to, keyPlan.keys));
  const sourcePrincipals = await principalsOf(from, sourceUnreadable(from));
  const destinationPrincipals = await principalsOf(to, destinationUnreadable(to, keyPlan.keys));

  // The plan: every record decided before anything is written.
  const conflicts: Conflict[] = [];
  const sourceAccount = await accountIdOf(from);
  const destinationAccount = await accountIdOf(to);
  if (sourceAccount !== undefined && destinationAccount !== undefined && sourceAccount !== destinationAccount) {
    if (to.filesRoot === undefined) {
      throw new CliError(
        `the destination (${to.label}) names account ${destinationAccount} in its ARNs, the source ${sourceAccount}, and a database keeps the account id it was first given: copy into a database kms-local has not used yet. Nothing was copied.`,
      );
    }
    if (!options.overwrite) conflicts.push({ ref: { Region: '-', Kind: 'AccountId', Id: destinationAccount }, detail: `the destination's ARNs name account ${destinationAccount}, the source's ${sourceAccount}` });
  }
  const plans = new Map<string, RegionPlan>();
  for (const [region, records] of source) plans.set(region, planRegion(records, destination.get(region), options.overwrite, conflicts));
  const principalPlan = planPrincipals(sourcePrincipals, destinationPrincipals, options.overwrite, conflicts);
  if (conflicts.length > 0) {
    const shown = conflicts.slice(0, 10).map((c) => `  ${c.ref.Kind} ${c.ref.Id} (${c.ref.Region}): ${c.detail}`);
    if (conflicts.length > shown.length) shown.push(`  ... and ${conflicts.length - shown.length} more`);
    throw new CliError(
      `the destination (${to.label}) already holds ${conflicts.length} record(s) that differ from the source's:\n${shown.join('\n')}\n` +
        'Nothing was copied. Pass --overwrite to replace them with the source\'s (what the destination holds there is lost), or remove them first.',
    );
  }

  const summary: CopySummary = {
    From: from.label,
    To: to.label,
    DryRun: options.dryRun,
    MasterKeyId: keyPlan.keys.keyId,
    Regions: {},
    Totals: noRegionCounts(),
    Principals: noCounts(),
  };
  const account = sourceAccount ?? destinationAccount;
  if (account !== undefined) summary.AccountId = account;
  if (keyPlan.copyKeyFile) summary.MasterKeyCopiedTo = keyPlan.copyKeyFile.to;

  if (options.dryRun) {
    // What it would do, and nothing done: not a file, not a folder, not a connection that migrates.
    for (const [region, plan] of plans) {
      const counts = noRegionCounts();
      for (const kind of ['Secret', 'Key', 'Alias'] as const) for (const write of plan[kind]) countDecision(counts[COUNT_OF[kind]], write.decision);
      summary.Regions[region] = counts;
      addTotals(summary.Totals, counts);
    }
    for (const write of principalPlan) countDecision(summary.Principals, write.decision);
    return summary;
  }

  const requestId = randomUUID();
  // On the destination's own audit trail (a database's table, a home's audit.log).
  const audit = (outcome: 'success' | 'error', errorCode: string | null): Promise<void> =>
    to.backend.audit().append({ time: formatTime(options.nowMs), operation: 'CopyStore', secretName: null, versionId: null, requestId, outcome, errorCode });
  try {
    if (to.filesRoot !== undefined) to.home.ensure();
    // A database not used yet takes the source's account id with its first write (its schema).
    else if (destinationAccount === undefined && sourceAccount !== undefined) to.home.useAccountId(sourceAccount);
    if (keyPlan.copyKeyFile) createFileOnce(keyPlan.copyKeyFile.to, readFileSync(keyPlan.copyKeyFile.from, 'utf8'));
    if (to.filesRoot !== undefined && sourceAccount !== undefined && destinationAccount !== sourceAccount) {
      if (destinationAccount === undefined) createFileOnce(to.home.path('account-id'), `${sourceAccount}\n`);
      else writeFileAtomic(to.home.path('account-id'), `${sourceAccount}\n`);
    }
    const total = [...plans.values()].reduce((n, p) => n + p.Secret.length + p.Key.length + p.Alias.length, principalPlan.length);
    let done = 0;
    const step = (n = 1) => options.progress?.((done += n), total);
    for (const [region, plan] of plans) {
      const counts = noRegionCounts();
      summary.Regions[region] = counts;
      await copyRecords('Key', to.backend.keys(region, realClock), region, plan.Key, counts.Keys, step);
      await copyAliases(to, region, plan.Alias, counts.Aliases, step);
      await copyRecords('Secret', to.backend.secrets(region, realClock), region, plan.Secret, counts.Secrets, step);
      addTotals(summary.Totals, counts);
    }
    await copyPrincipals(to, principalPlan, summary.Principals, step);
    const result = await compareStores(from, to, { regions: source, principals: sourcePrincipals }, await wholeStore(to, destinationUnreadable(to, keyPlan.keys)));
    summary.Verification = { ...result, Verified: verified(result) };
  } catch (err) {
    await audit('error', err instanceof ServiceError ? err.code : err instanceof CliError ? 'CliError' : 'InternalFailure');
    throw err;
  }
  await audit(summary.Verification.Verified ? 'success' : 'error', summary.Verification.Verified ? null : 'VerificationFailed');
  return summary;
}

/** What a secret or key storage offers a copy: one locked read-modify-write per record. */
interface RecordWriter<R> {
  mutate<T>(id: string, change: (current: R | undefined) => { next?: R | null; result: T }): Promise<T>;
}

/**
 * Writes the planned secrets or keys of a region, each under the destination's lock: skipped when
 * it already holds the source's record, refused when it changed since the plan read it.
 */
async function copyRecords<R>(kind: 'Secret' | 'Key', storage: RecordWriter<R>, region: string, writes: PlannedWrite<R>[], counts: CopyCounts, step: () => void): Promise<void> {
  for (const write of writes) {
    if (write.decision !== 'skip') {
      const done = await storage.mutate(write.source.ref.Id, (current) => {
        const now = current && digestOf(kind, region, current);
        if (now === write.source.digest) return { result: 'skip' as const };
        if (!stillAsPlanned(write.planned, now)) throw changedMeanwhile(write.source.ref);
        return { next: write.source.record, result: write.decision };
      });
      countDecision(counts, done);
    } else countDecision(counts, 'skip');
    step();
  }
}

/**
 * A principal is written whole (its AccessKey and exactly its policies). The store's put takes no
 * compare step, so the check that the destination still holds what the plan saw is a read just
 * before: a change made in between by `configure set` on another host is the one window left.
 */
async function copyPrincipals(to: StoreSide, writes: PlannedWrite<Principal>[], counts: CopyCounts, step: () => void): Promise<void> {
  const storage = to.backend.principals();
  for (const write of writes) {
    if (write.decision === 'skip') countDecision(counts, 'skip');
    else {
      const current = await storage.get(write.source.ref.Id);
      const now = current && digestOf('Principal', '-', current);
      if (now === write.source.digest) countDecision(counts, 'skip');
      else {
        if (!stillAsPlanned(write.planned, now)) throw changedMeanwhile(write.source.ref);
        const { accessKeyId, accessKeySecret, policies, policyDocuments } = write.source.record;
        await storage.put(write.source.ref.Id, { accessKeyId, accessKeySecret, detachAll: true, policies, policyDocuments });
        countDecision(counts, write.decision);
      }
    }
    step();
  }
}

/** The alias table of a region is one record to the store: one read-modify-write for all of them. */
async function copyAliases(to: StoreSide, region: string, writes: PlannedWrite<AliasRecord>[], counts: CopyCounts, step: (n?: number) => void): Promise<void> {
  if (writes.length === 0) return;
  if (writes.every((w) => w.decision === 'skip')) {
    for (const _ of writes) countDecision(counts, 'skip');
    step(writes.length);
    return;
  }
  const storage = to.backend.keys(region, realClock);
  const decisions = await storage.mutateAliases((current) => {
    const byName = new Map(current.map((alias) => [alias.aliasName, alias]));
    const made: Exclude<CopyDecision, 'conflict'>[] = [];
    for (const write of writes) {
      const existing = byName.get(write.source.ref.Id);
      const now = existing && digestOf('Alias', region, existing);
      if (now === write.source.digest) {
        made.push('skip');
        continue;
      }
      if (!stillAsPlanned(write.planned, now)) throw changedMeanwhile(write.source.ref);
      byName.set(write.source.ref.Id, write.source.record);
      made.push(write.decision);
    }
    const changed = made.some((d) => d !== 'skip');
    return { next: changed ? [...byName.values()] : undefined, result: made };
  });
  for (const decision of decisions) countDecision(counts, decision);
  step(writes.length);
}

/** Every record of the source against the destination's, and the account id their ARNs name. */
interface WholeStore {
  regions: Snapshot;
  principals: Map<string, Held<Principal>>;
}

async function wholeStore(side: StoreSide, describeFailure: (ref: string, err: ServiceError) => Error): Promise<WholeStore> {
  return { regions: await snapshot(side, describeFailure), principals: await principalsOf(side, describeFailure) };
}

async function compareStores(from: StoreSide, to: StoreSide, source: WholeStore, destination: WholeStore): Promise<VerifyResult> {
  const result = compareDigests(digestsOf(source.regions, source.principals), digestsOf(destination.regions, destination.principals));
  const sourceAccount = await accountIdOf(from);
  const destinationAccount = await accountIdOf(to);
  if (sourceAccount !== undefined) {
    result.Compared++;
    const ref: RecordRef = { Region: '-', Kind: 'AccountId', Id: sourceAccount };
    if (destinationAccount === undefined) result.Missing.push(ref);
    else if (destinationAccount !== sourceAccount) result.Different.push(ref);
  }
  return result;
}

/** Compares every record of the source with the destination's; changes nothing on either side. */
export async function verifyStores(from: StoreSide, to: StoreSide): Promise<VerifySummary> {
  const keys = existingKeys(from.home);
  if (!keys) throw new CliError(`the source store (${from.label}) has no master key: nothing to compare with.`);
  to.home.useKeys(keys);
  const source = await wholeStore(from, sourceUnreadable(from));
  const destination = await wholeStore(to, destinationUnreadable(to, keys));
  const result = await compareStores(from, to, source, destination);
  return { From: from.label, To: to.label, MasterKeyId: keys.keyId, ...result, Verified: verified(result) };
}
