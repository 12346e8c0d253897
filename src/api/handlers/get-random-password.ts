import { planPassword } from '../../core/password-policy.js';
import { generatePassword } from '../../crypto/password.js';
import type { Handler } from '../context.js';

export const DEFAULT_PASSWORD_LENGTH = 32;

export const handler: Handler = async (ctx, p) => {
  const plan = planPassword({
    length: (p.PasswordLength as number | undefined) ?? DEFAULT_PASSWORD_LENGTH,
    excludeCharacters: (p.ExcludeCharacters as string | undefined) ?? '',
    exclude: {
      lowercase: p.ExcludeLowercase === true,
      uppercase: p.ExcludeUppercase === true,
      numbers: p.ExcludeNumbers === true,
      punctuation: p.ExcludePunctuation === true,
    },
    requireEachIncludedType: p.RequireEachIncludedType !== false,
  });
  return { RandomPassword: generatePassword(plan), RequestId: ctx.requestId };
};
