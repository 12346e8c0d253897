/**
 * Principals: the RAM users kms-local knows, one per profile name, each with at most one AccessKey
 * pair and the identity policies attached to it (docs/permissions.md). Wherever they are kept (the
 * home's profile file, or a shared store's table), a change is decided here, as pure functions.
 */
import { SYSTEM_POLICIES, checkIdentityPolicy, type PolicyDocument } from './access-policy.js';

export interface Principal {
  /** The profile name: the RAM user `acs:ram::<account-id>:user/<profile>`. */
  profile: string;
  /** '' when the profile has none. */
  accessKeyId: string;
  /** The AccessKey secret, in memory only; '' when the profile has none. */
  accessKeySecret: string;
  /** System policies attached (configure set --policy). */
  policies: string[];
  /** Custom identity policies attached, as compact JSON (configure set --policy-document). */
  policyDocuments: string[];
}

/** What `configure set` changes of a principal; an absent field is left as it is. */
export interface PrincipalChange {
  accessKeyId?: string;
  accessKeySecret?: string;
  /** `--policy none`: detach every policy first. */
  detachAll?: boolean;
  /** Attached beside those the principal has. */
  policies?: string[];
  policyDocuments?: string[];
}

/** Whether `change` changes anything of a principal (else `configure set` leaves it alone). */
export function changesPrincipal(change: PrincipalChange): boolean {
  return (
    change.accessKeyId !== undefined ||
    change.accessKeySecret !== undefined ||
    change.detachAll === true ||
    (change.policies?.length ?? 0) > 0 ||
    (change.policyDocuments?.length ?? 0) > 0
  );
}

export function emptyPrincipal(profile: string): Principal {
  return { profile, accessKeyId: '', accessKeySecret: '', policies: [], policyDocuments: [] };
}

/** The principal after `change`: policies are added (none twice), or all detached first. */
export function applyPrincipalChange(current: Principal, change: PrincipalChange): Principal {
  const kept = change.detachAll ? { policies: [], policyDocuments: [] } : current;
  return {
    profile: current.profile,
    accessKeyId: change.accessKeyId ?? current.accessKeyId,
    accessKeySecret: change.accessKeySecret ?? current.accessKeySecret,
    policies: [...new Set([...kept.policies, ...(change.policies ?? [])])],
    policyDocuments: [...new Set([...kept.policyDocuments, ...(change.policyDocuments ?? [])])],
  };
}

/**
 * The profile that already holds `accessKeyId`, other than `profile`: an AccessKey names one
 * caller, so a second profile cannot be given it ('' is no AccessKey and never conflicts).
 */
export function accessKeyHolder(principals: readonly Principal[], profile: string, accessKeyId: string): string | undefined {
  if (accessKeyId === '') return undefined;
  return principals.find((p) => p.profile !== profile && p.accessKeyId === accessKeyId)?.profile;
}

/** Whether the principal has both halves of an AccessKey (only then can it call `serve`). */
export function hasAccessKey(principal: Principal): boolean {
  return principal.accessKeyId !== '' && principal.accessKeySecret !== '';
}

/**
 * The identity policies of a principal, or undefined when none is attached (an unrestricted caller).
 * A name that is not a system policy (a hand-edited file) grants nothing: it is kept as an empty
 * document, so the principal stays restricted rather than becoming unrestricted.
 */
export function identityPolicies(names: readonly string[], documents: readonly string[]): PolicyDocument[] | undefined {
  if (names.length === 0 && documents.length === 0) return undefined;
  const empty: PolicyDocument = { Version: '1', Statement: [] };
  return [
    ...names.map((name) => SYSTEM_POLICIES[name] ?? empty),
    ...documents.map((text) => {
      try {
        return checkIdentityPolicy(JSON.parse(text));
      } catch {
        return empty;
      }
    }),
  ];
}
