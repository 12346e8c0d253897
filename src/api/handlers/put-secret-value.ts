import { putVersion } from '../../core/versions.js';
import { ServiceError } from '../../errors/errors.js';
import type { SecretDataType, SecretRecord, SecretVersion } from '../../core/model.js';
import { resolveSecretName, type Handler } from '../context.js';
import { isSealedByCustomerKey, requireActive, requireGeneric, requireSecret, sealUnderMasterKey, sealValue, wrapStages, type SealedValue } from '../secrets.js';

/** A first pass under the lock that found a secret sealed by a customer key: nothing was written. */
interface NeedsCustomerKey {
  sealedBy: SecretRecord;
}

export const handler: Handler = async (ctx, p) => {
  const name = resolveSecretName(ctx, p.SecretName as string);
  const versionId = p.VersionId as string;
  const data = p.SecretData as string;
  const dataType = (p.SecretDataType as SecretDataType | undefined) ?? 'text';
  const stages = p.VersionStages as string[] | undefined;
  const put = (secret: SecretRecord, sealed: SealedValue) => {
    requireActive(secret);
    requireGeneric(secret, 'PutSecretValue');
    const outcome = putVersion(secret, { versionId, ...sealed, stages }, ctx.now);
    return { next: outcome.changed ? outcome.secret : undefined, result: outcome.version };
  };
  // Under the master key (every secret without an EncryptionKeyId) the value is sealed under the
  // secret's lock, after the one read the write makes. A customer key must be read first, outside
  // the lock: that pass changes nothing, and the key is checked again when the version is written.
  const first = await ctx.store.mutate<SecretVersion | NeedsCustomerKey>(name, (current) => {
    const secret = requireSecret(current, name);
    if (isSealedByCustomerKey(secret.encryptionKeyId)) return { result: { sealedBy: secret } };
    return put(secret, sealUnderMasterKey(ctx, secret, versionId, data, dataType));
  });
  let version: SecretVersion;
  if ('sealedBy' in first) {
    const target = first.sealedBy;
    const sealed = await sealValue(ctx, target, versionId, data, dataType);
    version = await ctx.store.mutate(name, (current) => {
      const secret = requireActive(requireSecret(current, name));
      if (secret.encryptionKeyId !== target.encryptionKeyId) {
        throw new ServiceError('ServiceUnavailableTemporary', `The secret '${name}' was made again while the value was sealed; try again.`);
      }
      return put(secret, sealed);
    });
  } else {
    version = first;
  }
  return {
    RequestId: ctx.requestId,
    SecretName: name,
    VersionId: version.versionId,
    VersionStages: wrapStages(version.stages),
  };
};
