/**
 * SSH key pairs for ECS SSHKey secrets: RSA-2048 made with node:crypto, the private key as PEM
 * (PKCS#1, `-----BEGIN RSA PRIVATE KEY-----`, which OpenSSH and ssh2 read), the public key as an
 * OpenSSH `ssh-rsa AAAA... comment` line, encoded here from the key's modulus and exponent
 * (RFC 4253 §6.6: string "ssh-rsa", mpint e, mpint n).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface SshKeyPair {
  publicKey: string;
  privateKey: string;
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** An SSH mpint: big-endian, minimal, with a leading zero byte when the top bit is set. */
function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  let bytes = unsigned.subarray(start);
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

/** The OpenSSH public key line of an RSA key. */
export function opensshPublicKey(key: KeyObject, comment: string): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new Error('only RSA keys are converted here');
  const blob = Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    sshMpint(Buffer.from(jwk.e, 'base64url')),
    sshMpint(Buffer.from(jwk.n, 'base64url')),
  ]);
  return `ssh-rsa ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

export function generateSshKeyPair(comment: string): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  return {
    publicKey: opensshPublicKey(publicKey, comment),
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

/** The key blob of a public key line (its second field), which identifies the key whatever the comment. */
export function publicKeyBlob(line: string): string {
  return line.trim().split(/\s+/)[1] ?? '';
}

/** `SHA256:...` of a public key line, as ssh-keygen -l prints it. */
export function publicKeyFingerprint(line: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(publicKeyBlob(line), 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Whether a PEM private key belongs to an `ssh-rsa` public key line. Keys node:crypto cannot read
 * (OpenSSH-format private keys) or that are not RSA are not judged here: undefined.
 */
export function keyPairMatches(privateKeyPem: string, publicKeyLine: string): boolean | undefined {
  if (!publicKeyLine.startsWith('ssh-rsa ')) return undefined;
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    return undefined;
  }
  if (key.asymmetricKeyType !== 'rsa') return false;
  return publicKeyBlob(opensshPublicKey(createPublicKey(key), '')) === publicKeyBlob(publicKeyLine);
}
