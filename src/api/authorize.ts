/**
 * Authorization of a caller (`serve`'s AccessKey, `run`'s profile) for one operation call, before it
 * runs: which resources the call touches, their tags and resource policies, and the decision of the
 * pure core (core/access-policy.ts) for each. A denial is Forbidden.NoPermission (HTTP 403).
 *
 * The resources of a call, as RAM names them: a secret `acs:kms:<region>:<account>:secret/<name>`
 * (SecretName, each SecretsList entry, each ResourceId of ResourceType secret), a key `...:key/<id>`
 * (KeyId, an alias resolved to its key; each ResourceId of ResourceType key), an alias
 * `...:alias/<alias-name>` (AliasName); a call naming none acts on its container (`...:secret` for a
 * secret operation or ResourceType secret, `...:key` for a key one) or, for GetRandomPassword, on `*`.
 */
import { ServiceError } from '../errors/errors.js';
import { decideAccess, parseResourcePolicy, principalArn, type PolicyDocument } from '../core/access-policy.js';
import { secretNameIn, type Tag } from '../core/model.js';
import { identityPolicies, type Principal } from '../core/principals.js';
import type { Context } from './context.js';
import type { OperationSpec } from './operations.js';

/** Who calls: the profile (a RAM user) and the identity policies attached to it (undefined: none). */
export interface Caller {
  profile: string;
  accessKeyId?: string;
  policies: readonly PolicyDocument[] | undefined;
}

interface Resource {
  /** The ARN after `acs:kms:<region>:<account>:` (`secret/app/x`, `key/<id>`, `alias/x`, `secret`), or `*`. */
  path: string;
  tags: readonly Tag[];
  policy?: PolicyDocument;
}

/** The caller a principal stands for (through `serve`, by its AccessKey). */
export function callerOfPrincipal(principal: Principal): Caller {
  return {
    profile: principal.profile,
    ...(principal.accessKeyId ? { accessKeyId: principal.accessKeyId } : {}),
    policies: identityPolicies(principal.policies, principal.policyDocuments),
  };
}

/** How a caller is named in the audit trail and in a refusal. */
export function callerName(caller: Caller): string {
  return caller.accessKeyId ? `${caller.profile}/${caller.accessKeyId}` : caller.profile;
}

async function secretResource(ctx: Context, value: string): Promise<Resource> {
  const name = secretNameIn(value);
  const secret = await ctx.store.peek(name);
  return { path: `secret/${name}`, tags: secret?.tags ?? [], policy: parseResourcePolicy(secret?.policy) };
}

async function keyResource(ctx: Context, reference: string): Promise<Resource> {
  let key;
  try {
    key = await ctx.keyStore.resolve(reference, ctx.home.accountId());
  } catch {
    // An unknown key: the call itself will say so, if the caller may make it at all.
    return { path: `key/${reference.replace(/^.*:key\//, '')}`, tags: [] };
  }
  return { path: `key/${key.keyId}`, tags: key.tags, policy: parseResourcePolicy(key.policy) };
}

function secretNamesOf(list: string | undefined): string[] {
  if (list === undefined) return [];
  try {
    const parsed = JSON.parse(list ?? '[]') as unknown;
    return Array.isArray(parsed) ? parsed.flatMap((e) => (e && typeof e === 'object' && typeof (e as { SecretName?: unknown }).SecretName === 'string' ? [(e as { SecretName: string }).SecretName] : [])) : [];
  } catch {
    return [];
  }
}

/** `ResourceId.<n>`: by hand, as serve asks it of every parameter of every request. */
function isResourceIdParam(name: string): boolean {
  if (!name.startsWith('ResourceId.') || name.length === 11) return false;
  for (let i = 11; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** The resources a call with these (wire) parameters touches. */
export async function resourcesOf(op: OperationSpec, params: Record<string, string>, ctx: Context): Promise<Resource[]> {
  const resources: Resource[] = [];
  if (params.SecretName !== undefined) resources.push(await secretResource(ctx, params.SecretName));
  for (const name of secretNamesOf(params.SecretsList)) resources.push(await secretResource(ctx, name));
  if (params.KeyId !== undefined) resources.push(await keyResource(ctx, params.KeyId));
  if (params.AliasName !== undefined) resources.push({ path: params.AliasName, tags: [] });
  for (const name in params) {
    if (!isResourceIdParam(name)) continue;
    resources.push(params.ResourceType === 'key' ? await keyResource(ctx, params[name]!) : await secretResource(ctx, params[name]!));
  }
  if (resources.length > 0) return resources;
  if (op.name === 'GetRandomPassword') return [{ path: '*', tags: [] }];
  // The container: of the resource type the call names (ListTagResources of every secret), else of its kind.
  const type = params.ResourceType === 'secret' || params.ResourceType === 'key' ? params.ResourceType : /Secret/.test(op.name) ? 'secret' : 'key';
  return [{ path: type, tags: [] }];
}

/** Throws Forbidden.NoPermission unless `caller` may call `op` on every resource it touches. */
export async function authorize(caller: Caller, op: OperationSpec, params: Record<string, string>, ctx: Context): Promise<void> {
  const resources = await resourcesOf(op, params, ctx);
  // A caller with no policy, on resources with none: nothing can deny (the common case of serve).
  if (caller.policies === undefined && resources.every((r) => r.policy === undefined)) return;
  const account = ctx.home.accountId();
  const who = principalArn(account, caller.profile);
  for (const resource of resources) {
    const arn = resource.path === '*' ? '*' : `acs:kms:${ctx.region}:${account}:${resource.path}`;
    const decision = decideAccess({
      principalArn: who,
      action: `kms:${op.name}`,
      resourceArn: arn,
      resourceTags: resource.tags,
      identityPolicies: caller.policies,
      resourcePolicy: resource.policy,
    });
    if (decision !== 'Allow') {
      const why = decision === 'ExplicitDeny' ? 'an explicit Deny' : 'no policy allows it';
      throw new ServiceError('Forbidden.NoPermission', `${who} may not call kms:${op.name} on ${arn}: ${why}.`);
    }
  }
}
