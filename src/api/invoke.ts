/**
 * One operation call, shared by the CLI (src/cli/run-operation.ts) and the HTTP server
 * (src/server/): the required-parameter check, validation against the operation table, and the
 * handler call. Whatever must happen around every handler call (auditing, for one) goes in
 * `callHandler`, so that both front ends take exactly the same path.
 */
import { ServiceError, storageError } from '../errors/errors.js';
import { auditRecord, audited } from '../audit/audit-log.js';
import { authorize, callerName, type Caller } from './authorize.js';
import type { Home } from '../store/home.js';
import { createContext, type Context, type Handler, type Response } from './context.js';
import { backendOf } from '../store/open-backend.js';
import type { OperationSpec } from './operations.js';
import { decodeParams, matchParam, validateParams, type ParamValues } from './params.js';

/**
 * The required parameters of `op` that are not among `given`, sorted by name. A RepeatList is
 * given by any `Name.N`; a region-filled parameter (RegionId) always is, by the request's region.
 */
export function missingParams(op: OperationSpec, given: readonly string[]): string[] {
  return op.params
    .filter((p) => p.required && !p.fromRegion && !given.some((name) => matchParam([p], name)))
    .map((p) => p.name)
    .sort((a, b) => a.localeCompare(b));
}

/** Handlers loaded before: `serve` calls the same few on every request. */
const loadedHandlers = new WeakMap<OperationSpec, Handler>();

async function handlerOf(op: OperationSpec): Promise<Handler> {
  const { handler } = await op.load();
  loadedHandlers.set(op, handler);
  return handler;
}

/** Loads the operation's handler and runs it: the single place a handler is called from. */
export async function callHandler(op: OperationSpec, ctx: Context, values: ParamValues): Promise<Response> {
  const handler = loadedHandlers.get(op) ?? (await handlerOf(op));
  // A shared store first: its account id is the one ARNs show (nothing to do for the home's files).
  const opening = backendOf(ctx.home).open();
  if (opening) await opening;
  // A full, read-only or foreign-owned home is a service error naming the file, not a bug.
  const call = async () => {
    try {
      return await handler(ctx, values);
    } catch (err) {
      throw storageError(err) ?? err;
    }
  };
  // Reads are not audited, except uses of a key (Encrypt, Sign, ...), which are, as the service's trail has them.
  if (op.audited) return audited(op.name, ctx, values, call);
  if (!op.mutates) return call();
  // A change needs the master key: one that cannot be found is refused before the call is even
  // audited, so a misconfigured home is left exactly as it was.
  ctx.home.keys();
  // Every call of a mutating operation that got past validation leaves one audit line.
  return audited(op.name, ctx, values, call);
}

export interface InvokeTarget {
  home: Home;
  region: string;
  nowMs: number;
  /** The request id to answer with; a fresh one when absent. */
  requestId?: string;
  /** Who calls (serve's AccessKey, run's profile): authorized by its policies, named in the audit trail. */
  caller?: Caller;
}

/**
 * Runs `op` with the parameters as a request sent them, as the service would: they are decoded
 * (decodeParams: flattened structures, RepeatLists), a missing required parameter is a
 * MissingParameter error, a bad value InvalidParameter. Parameters `op` does not know are ignored,
 * as the service ignores them (the CLI refuses them before it gets here).
 */
export async function invoke(op: OperationSpec, sent: Record<string, string>, target: InvokeTarget): Promise<Response> {
  const { raw } = decodeParams(op.params, sent);
  const missing = missingParams(op, Object.keys(raw));
  if (missing.length > 0) {
    throw new ServiceError('MissingParameter', `The required parameter ${missing.join(', ')} is missing.`);
  }
  const ctx = createContext(target.home, target.region, target.nowMs, target.requestId || undefined);
  const values = validateParams(op.params, raw);
  if (target.caller) {
    const opening = backendOf(target.home).open();
    if (opening) await opening;
    ctx.caller = callerName(target.caller);
    // Even a caller with no policy is bound by an explicit Deny in a secret's or key's policy.
    await authorizeAudited(op, target.caller, sent, ctx, values);
  }
  return callHandler(op, ctx, values);
}

/** authorize(), with a refusal written to the audit trail (for any operation, reads too). */
async function authorizeAudited(op: OperationSpec, caller: Caller, sent: Record<string, string>, ctx: Context, values: ParamValues): Promise<void> {
  try {
    await authorize(caller, op, sent, ctx);
  } catch (err) {
    await ctx.audit.append(auditRecord({ time: ctx.now, operation: op.name, requestId: ctx.requestId, params: values, error: err, caller: ctx.caller }));
    throw err;
  }
}
