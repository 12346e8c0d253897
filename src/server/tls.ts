/**
 * TLS for `kms-local serve`: a certificate and key given as files (--tls-cert, --tls-key), or a
 * self-signed certificate for the listening address (--tls), made once and kept in the home:
 * `<home>/tls/<host>.pem` (certificate and key, 0600) and `<host>.crt` (the certificate alone, for
 * clients to trust). The Secrets Manager caching clients speak https only; this lets them connect.
 *
 * The certificate is built with node-forge (pure JS, loaded only here, behind serve's lazy import);
 * the RSA key is made by node:crypto, and node:crypto's X509Certificate reads certificates back.
 */
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { CliError } from '../errors/errors.js';
import { createFileOnce, ensureDir, readTextIfExists, writeFileAtomic } from '../store/fs-safe.js';
import type { Home } from '../store/home.js';
import { importPackage } from '../import-package.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** The certificate file a client should trust (or the --tls-cert file). */
  certPath: string;
  /** SHA-256 of the certificate's DER, as openssl prints it (AA:BB:...). */
  fingerprint: string;
  /** Whether --tls made the certificate on this start. */
  created: boolean;
}

/** A self-signed certificate lasts this long; an expired one is replaced on the next start. */
const VALIDITY_DAYS = 3650;

function firstPem(text: string, label: string): string | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----\\n?`).exec(text);
  return match?.[0];
}

function describe(cert: string, key: string, certPath: string, created: boolean, what: string): TlsMaterial {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new CliError(`${what}: not a PEM certificate (${(err as Error).message}).`);
  }
  let matches = false;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new CliError(`${what}: the key is not a PEM private key (${(err as Error).message}).`);
  }
  if (!matches) throw new CliError(`${what}: the key does not belong to the certificate.`);
  return { cert, key, certPath, fingerprint: x509.fingerprint256, created };
}

/** --tls-cert FILE --tls-key FILE. */
export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  const read = (file: string, flag: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${flag} '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return describe(read(certFile, '--tls-cert'), read(keyFile, '--tls-key'), certFile, false, `--tls-cert '${certFile}' / --tls-key '${keyFile}'`);
}

/** The names a certificate for `host` covers: the address itself, and loopback names for loopback or wildcard addresses. */
export function subjectAltNames(host: string): { dns: string[]; ips: string[] } {
  const dns = new Set<string>();
  const ips = new Set<string>();
  const wildcard = host === '0.0.0.0' || host === '::';
  const loopback = host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
  if (!wildcard) (isIP(host) ? ips : dns).add(host);
  if (loopback || wildcard) {
    dns.add('localhost');
    ips.add('127.0.0.1');
    ips.add('::1');
  }
  if (wildcard) dns.add(hostname());
  return { dns: [...dns], ips: [...ips] };
}

function covers(x509: X509Certificate, host: string, nowMs: number): boolean {
  if (Date.parse(x509.validTo) <= nowMs) return false;
  const { dns, ips } = subjectAltNames(host);
  return dns.every((d) => x509.checkHost(d, { subject: 'never' }) !== undefined) && ips.every((ip) => x509.checkIP(ip) !== undefined);
}

async function makeSelfSigned(host: string, nowMs: number): Promise<string> {
  const forge = (await importPackage<{ default: typeof import('node-forge') }>('node-forge')).default;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial of 16 random bytes.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(nowMs - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(nowMs + VALIDITY_DAYS * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: host }, { name: 'organizationName', value: 'kms-local serve' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const { dns, ips } = subjectAltNames(host);
  cert.setExtensions([
    // Self-signed: the certificate is its own trust anchor, so clients may load it as a CA file.
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return `${forge.pki.certificateToPem(cert)}${privateKey}`;
}

/**
 * --tls: the home's certificate for `host`, made on the first start for that address and reused
 * after (a certificate that expired or no longer covers the address is replaced).
 */
export async function selfSignedCertificate(home: Home, host: string, nowMs: number): Promise<TlsMaterial> {
  const dir = home.path('tls');
  ensureDir(dir);
  const base = host.replace(/[^A-Za-z0-9.-]/g, '_');
  const pemPath = `${dir}/${base}.pem`;
  const certPath = `${dir}/${base}.crt`;
  let created = false;
  let pem = readTextIfExists(pemPath);
  if (pem === undefined) {
    const made = await makeSelfSigned(host, nowMs);
    // Two servers started at once for the same address agree on the first file written.
    pem = createFileOnce(pemPath, made);
    created = pem === made;
  }
  let cert = firstPem(pem, 'CERTIFICATE');
  if (!cert || !covers(new X509Certificate(cert), host, nowMs)) {
    pem = await makeSelfSigned(host, nowMs);
    writeFileAtomic(pemPath, pem);
    created = true;
    cert = firstPem(pem, 'CERTIFICATE')!;
  }
  const key = firstPem(pem, 'RSA PRIVATE KEY') ?? firstPem(pem, 'PRIVATE KEY');
  if (!key) throw new CliError(`${pemPath} holds no private key; remove it and start again.`);
  if (readTextIfExists(certPath) !== cert) writeFileAtomic(certPath, cert);
  return describe(cert, key, certPath, created, pemPath);
}
