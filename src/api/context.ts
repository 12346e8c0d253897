/** What a handler is given: the store of the request's region, the clock, the request id. */
import { randomUUID } from 'node:crypto';
import { CliError, invalidParameter, notFound } from '../errors/errors.js';
import { formatTime, parseTime } from '../core/time.js';
import type { Home, Env } from '../store/home.js';
import type { AuditSink, KeyStorage, SecretStorage, StoreBackend } from '../store/backend.js';
import { backendOf } from '../store/open-backend.js';
import type { ParamValues } from './params.js';
import { SECRET_NAME_PATTERN, isRegionId } from '../core/model.js';
import { isKnownRegion } from '../core/regions.js';
import { CONFIG_FILE, extraRegionsOf } from '../config/profile-read.js';

export interface Context {
  home: Home;
  store: SecretStorage;
  /** The region's keys (customer master keys) and aliases. */
  keyStore: KeyStorage;
  region: string;
  nowMs: number;
  /** `nowMs` as the service prints times. */
  now: string;
  requestId: string;
  /** The store's audit trail. */
  audit: AuditSink;
  /** Who calls, when kms-local knows (a `serve` AccessKey, `run`'s profile): named in the audit trail. */
  caller?: string;
}

export type Response = Record<string, unknown>;
export type Handler = (ctx: Context, params: ParamValues) => Response | Promise<Response>;


/** The clock: KMS_LOCAL_NOW (ISO-8601) when set, for tests and for rehearsing schedules. */
export function clockFrom(env: Env): number {
  const override = env.KMS_LOCAL_NOW;
  if (!override) return Date.now();
  const ms = parseTime(override);
  if (ms === undefined) throw new CliError(`KMS_LOCAL_NOW must be an ISO-8601 time such as 2026-01-31T12:00:00Z, not '${override}'.`);
  return ms;
}

export function createContext(home: Home, region: string, nowMs: number, requestId: string = randomUUID()): Context {
  if (!isRegionId(region)) throw invalidParameter(`RegionId '${region}' is not a region id.`);
  home.checkSafe();
  if (!isKnownRegion(region) && !isKnownRegion(region, extraRegionsOf(home.path(CONFIG_FILE)))) {
    throw invalidParameter(`RegionId '${region}' is not an Alibaba Cloud region; a private region is added with \`kms-local configure set --extra-regions ${region}\`.`);
  }
  home.checkKeyVariables();
  const backend = backendOf(home);
  const ctx = new RequestContext(home, region, nowMs, requestId, backend);
  // A purge the request triggers is audited under the request's id (which a caller may still set).
  ctx.store = backend.secrets(region, () => nowMs, { requestId: () => ctx.requestId, oneRequest: true });
  return ctx;
}

/**
 * A class, not an object literal with getters: a literal's getters are new closures at every call,
 * so V8 gave every context its own hidden class, made in the old generation. From there it kept
 * the request's young objects (the closures, the context, its store) alive through every young
 * collection until the next full one. In `serve` that was about 2 KB promoted per request, a full
 * collection every 200 ms, and young collections twice as slow (docs/benchmarks.md).
 */
class RequestContext implements Context {
  store!: SecretStorage;
  caller?: string;
  /** Made when a handler first asks: a GetSecretValue of `serve` uses neither, and making them was work on every request. */
  private keysOfRegion?: KeyStorage;
  private auditSink?: AuditSink;

  constructor(
    readonly home: Home,
    readonly region: string,
    readonly nowMs: number,
    public requestId: string,
    private readonly backend: StoreBackend,
  ) {}

  /** Formatted when a handler asks: most reads print no time of the request. */
  get now(): string {
    return formatTime(this.nowMs);
  }

  get keyStore(): KeyStorage {
    return (this.keysOfRegion ??= this.backend.keys(this.region, () => this.nowMs));
  }

  get audit(): AuditSink {
    return (this.auditSink ??= this.backend.audit());
  }
}

export function arnOf(ctx: Context, secretName: string): string {
  return `acs:kms:${ctx.region}:${ctx.home.accountId()}:secret/${secretName}`;
}

/** A SecretName parameter may be a name or an ARN of this region and account. */
export function resolveSecretName(ctx: Context, value: string): string {
  if (value.startsWith('acs:')) {
    const match = /^acs:kms:([^:]+):(\d+):secret\/(.+)$/.exec(value);
    if (!match) throw invalidParameter(`SecretName '${value}' is not a secret ARN (acs:kms:<region>:<account>:secret/<name>).`);
    const [, region, account, name] = match as unknown as [string, string, string, string];
    if (region !== ctx.region || account !== ctx.home.accountId()) throw notFound(`secret '${value}'`);
    value = name;
  }
  if (!SECRET_NAME_PATTERN.test(value)) {
    throw invalidParameter('SecretName is 1 to 192 letters, digits or _ / + = . @ - characters.');
  }
  return value;
}

export function paramString(params: ParamValues, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}
