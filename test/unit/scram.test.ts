/**
 * The SCRAM-SHA-256 verifiers rotation sends to PostgreSQL (src/targets/scram.ts): the password is
 * prepared as PostgreSQL prepares it (pg_saslprep) before it is hashed. That the verifiers equal
 * PostgreSQL's own is checked against a real server in test/e2e/rotation-postgres.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import { nodePgSaslPrep, postgresSaslPrep, scramVerifier } from '../../src/targets/scram.js';

const SALT = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');

describe('postgresSaslPrep: what PostgreSQL hashes', () => {
  test.each([
    ['pure ASCII is used as it is', 'Pw-1234 abc', 'Pw-1234 abc'],
    ['pure ASCII with a control character too (PostgreSQL skips SASLprep for ASCII)', 'a\tb', 'a\tb'],
    ['letters with accents, already NFC', 'Pässwörd-密码', 'Pässwörd-密码'],
    ['a compatibility ligature is normalised (NFKC)', 'ﬁle-Pw1', 'file-Pw1'],
    ['the OHM SIGN becomes GREEK CAPITAL OMEGA', '\u2126-Pw1', '\u03a9-Pw1'],
    ['a non-ASCII space becomes a space', 'a\u00a0b\u3000c', 'a b c'],
    ['a soft hyphen is mapped to nothing', 'pass\u00adword', 'password'],
    ['a password that maps to nothing is hashed as it is', '\u00ad\u200d', '\u00ad\u200d'],
    ['a private-use character is prohibited: hashed as it is', 'pw\ue000é', 'pw\ue000é'],
    ['right-to-left mixed with left-to-right is refused: hashed as it is', '\u05d0abc', '\u05d0abc'],
    ['right-to-left alone is prepared', '\u05d0\u05d1\u05d2', '\u05d0\u05d1\u05d2'],
  ])('%s', (_rule, password, prepared) => {
    expect(postgresSaslPrep(password)).toBe(prepared);
  });
});

describe('nodePgSaslPrep: what the pg client hashes, which rotation must agree with', () => {
  test('it agrees with PostgreSQL for passwords SASLprep accepts, and not for those it refuses', () => {
    for (const password of ['Pw-1', 'Pässwörd', 'ﬁle', 'a\u00a0b', 'pass\u00adword']) {
      expect(nodePgSaslPrep(password)).toBe(postgresSaslPrep(password));
    }
    expect(nodePgSaslPrep('ﬁ\ue000')).not.toBe(postgresSaslPrep('ﬁ\ue000'));
  });
});

describe('scramVerifier', () => {
  test('the format PostgreSQL stores: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>', () => {
    expect(scramVerifier('pencil', SALT)).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(scramVerifier('pencil', SALT, 10000)).toMatch(/^SCRAM-SHA-256\$10000:/);
  });

  test('it is of the prepared password: two spellings PostgreSQL prepares alike get one verifier', () => {
    expect(scramVerifier('ﬁle', SALT)).toBe(scramVerifier('file', SALT));
    expect(scramVerifier('a\u00a0b', SALT)).toBe(scramVerifier('a b', SALT));
    expect(scramVerifier('pencil', SALT)).not.toBe(scramVerifier('pencil', Buffer.alloc(16)));
  });

  test('RFC 7677 example: the StoredKey of "pencil" checks the ClientProof of the example exchange', async () => {
    const { createHash, createHmac } = await import('node:crypto');
    const verifier = scramVerifier('pencil', SALT);
    const storedKey = Buffer.from(verifier.split('$')[2]!.split(':')[0]!, 'base64');
    const serverKey = Buffer.from(verifier.split(':')[2]!, 'base64');
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const clientProof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(clientProof.map((b, i) => b ^ clientSignature[i]!));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
    const serverSignature = createHmac('sha256', serverKey).update(authMessage).digest('base64');
    expect(serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });
});
