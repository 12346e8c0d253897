/**
 * ECS secrets rotated against a real OpenSSH server (sshd on loopback with a throwaway host key,
 * config and users; see test/support/sshd.ts), through bin/kms-local.js. Whether a key or a
 * password logs in is checked with the real `ssh` client. No mock anywhere.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeHome, removeHome, runCli, serviceError, type CliResult } from '../support/cli.js';
import { createUser, removeUser, sshKeygen, sshdUnavailable, startSshd, type KeyPair, type SshServer, type TestUser } from '../support/sshd.js';

const unavailable = sshdUnavailable();
if (unavailable) console.warn(`\n!!! SKIPPED test/e2e/rotation-ssh.test.ts: ${unavailable}.\n`);
const describeIfSshd = unavailable ? describe.skip : describe;

let sshd: SshServer;
let keyUser: TestUser;
let passwordUser: TestUser;
let home: string;
let initialKey: KeyPair;
let otherKey: KeyPair;
const INITIAL_PASSWORD = 'Initial-Pw-7c1e-Xk2';

function kms(...args: string[]): CliResult {
  return runCli(['kms', ...args], { home });
}

function ok(result: CliResult): any {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.json;
}

function value(name: string, stage = 'ACSCurrent'): any {
  return JSON.parse(ok(kms('GetSecretValue', '--SecretName', name, '--VersionStage', stage)).SecretData);
}

function createEcs(name: string, subType: string, data: object, instanceId = 'i-test'): void {
  ok(
    kms(
      'CreateSecret',
      '--SecretName', name,
      '--VersionId', 'v1',
      '--SecretType', 'ECS',
      '--ExtendedConfig', JSON.stringify({ SecretSubType: subType, RegionId: 'cn-hangzhou', InstanceId: instanceId }),
      '--SecretData', JSON.stringify(data),
    ),
  );
}

describeIfSshd('ECS secrets rotated on a real OpenSSH server', () => {
  beforeAll(async () => {
    home = makeHome();
    keyUser = createUser('kmslk');
    passwordUser = createUser('kmslp');
    initialKey = sshKeygen(home, 'initial');
    otherKey = sshKeygen(home, 'someone-else');
    keyUser.writeAuthorizedKeys(`${otherKey.publicKey}\n${initialKey.publicKey}\n`);
    passwordUser.setPassword(INITIAL_PASSWORD);
    sshd = await startSshd([keyUser.name, passwordUser.name]);
    ok(runCli(['target', 'add', '--InstanceId', 'i-test', '--Host', sshd.host, '--Port', String(sshd.port)], { home }));
  }, 60_000);

  afterAll(async () => {
    await sshd?.destroy();
    removeUser(keyUser);
    removeUser(passwordUser);
    if (home) removeHome(home);
  });

  test('SSHKey: after RotateSecret the new private key logs in and the old one does not', () => {
    expect(sshd.keyLogin(keyUser.name, initialKey.privateKey)).toBe(true);
    createEcs('acs/ecs/web-key', 'SSHKey', { UserName: keyUser.name, PublicKey: initialKey.publicKey, PrivateKey: initialKey.privateKey });

    ok(kms('RotateSecret', '--SecretName', 'acs/ecs/web-key', '--VersionId', 'v2'));
    const now = value('acs/ecs/web-key');
    expect(now.UserName).toBe(keyUser.name);
    expect(now.PublicKey).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ /);
    expect(now.PrivateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(sshd.keyLogin(keyUser.name, now.PrivateKey)).toBe(true);
    expect(sshd.keyLogin(keyUser.name, initialKey.privateKey)).toBe(false);
    expect(value('acs/ecs/web-key', 'ACSPrevious').PublicKey).toBe(initialKey.publicKey);

    // Keys that are not the secret's are left alone.
    const lines = keyUser.readAuthorizedKeys().trim().split('\n');
    expect(lines).toEqual([otherKey.publicKey, now.PublicKey]);
    expect(sshd.keyLogin(keyUser.name, otherKey.privateKey)).toBe(true);
  });

  test('the host key was learned on the first connection and pinned', () => {
    const targets = ok(runCli(['target', 'list'], { home })).Targets.Target;
    const pinned = { Type: 'ECS', InstanceId: 'i-test', Host: sshd.host, Port: sshd.port, HostKeyFingerprint: sshd.fingerprint(), HostKeyLearned: true };
    expect(targets).toEqual([pinned]);
    // Adding the same target again does not forget the pinned key.
    expect(ok(runCli(['target', 'add', '--InstanceId', 'i-test', '--Host', sshd.host, '--Port', String(sshd.port)], { home })).Target).toEqual(pinned);
  });

  test('Password: after RotateSecret the new password logs in over ssh and the old one does not', () => {
    expect(sshd.passwordLogin(passwordUser.name, INITIAL_PASSWORD)).toBe(true);
    createEcs('acs/ecs/web-pw', 'Password', { UserName: passwordUser.name, Password: INITIAL_PASSWORD });

    ok(kms('RotateSecret', '--SecretName', 'acs/ecs/web-pw', '--VersionId', 'v2'));
    const now = value('acs/ecs/web-pw');
    expect(now.Password).toHaveLength(32);
    expect(sshd.passwordLogin(passwordUser.name, now.Password)).toBe(true);
    expect(sshd.passwordLogin(passwordUser.name, INITIAL_PASSWORD)).toBe(false);

    // A custom value, and back-to-back rotations.
    ok(kms('RotateSecret', '--SecretName', 'acs/ecs/web-pw', '--VersionId', 'v3', '--SecretData', '{"Password":"Custom-Pw-4d2a-Qz9"}'));
    expect(sshd.passwordLogin(passwordUser.name, 'Custom-Pw-4d2a-Qz9')).toBe(true);
    expect(sshd.passwordLogin(passwordUser.name, now.Password)).toBe(false);
    ok(kms('RotateSecret', '--SecretName', 'acs/ecs/web-pw', '--VersionId', 'v4'));
    expect(sshd.passwordLogin(passwordUser.name, value('acs/ecs/web-pw').Password)).toBe(true);
  });

  test('with sshd stopped RotateSecret fails clearly, GetSecretValue keeps the working key; once it is back, RotateSecret succeeds', async () => {
    const before = value('acs/ecs/web-key');
    await sshd.stop();
    let failed: CliResult;
    try {
      failed = kms('RotateSecret', '--SecretName', 'acs/ecs/web-key', '--VersionId', 'v3');
    } finally {
      await sshd.start();
    }
    const error = serviceError(failed.stderr);
    expect(failed.code).toBe(1);
    expect(error?.code).toBe('Rejected.RotationFailed');
    expect(error?.message).toMatch(/failed at step login: SSH i-test \(127\.0\.0\.1:\d+\): connect ECONNREFUSED/);
    expect(failed.stderr).not.toContain('PRIVATE KEY');

    expect(value('acs/ecs/web-key')).toEqual(before);
    expect(sshd.keyLogin(keyUser.name, before.PrivateKey)).toBe(true);
    expect(ok(kms('DescribeSecret', '--SecretName', 'acs/ecs/web-key')).RotationStatus.LastError).toMatchObject({ Step: 'login', VersionId: 'v3' });

    // Retrying the same VersionId resumes the failed rotation.
    ok(kms('RotateSecret', '--SecretName', 'acs/ecs/web-key', '--VersionId', 'v3'));
    const after = value('acs/ecs/web-key');
    expect(after.PublicKey).not.toBe(before.PublicKey);
    expect(sshd.keyLogin(keyUser.name, after.PrivateKey)).toBe(true);
    expect(sshd.keyLogin(keyUser.name, before.PrivateKey)).toBe(false);
  });

  test('a changed host key stops the rotation with a clear error and changes nothing', async () => {
    const before = value('acs/ecs/web-key');
    const pinned = sshd.fingerprint();
    await sshd.changeHostKey();
    const failed = serviceError(kms('RotateSecret', '--SecretName', 'acs/ecs/web-key', '--VersionId', 'v9').stderr);
    expect(failed?.code).toBe('Rejected.RotationFailed');
    expect(failed?.message).toContain(`has changed: pinned ${pinned}, offered ${sshd.fingerprint()}`);
    expect(value('acs/ecs/web-key')).toEqual(before);
    expect(sshd.keyLogin(keyUser.name, before.PrivateKey)).toBe(true);

    // Pinning the new key, as the message says, lets the rotation through.
    ok(runCli(['target', 'add', '--InstanceId', 'i-test', '--Host', sshd.host, '--Port', String(sshd.port), '--HostKeyFingerprint', sshd.fingerprint()], { home }));
    ok(kms('RotateSecret', '--SecretName', 'acs/ecs/web-key', '--VersionId', 'v10'));
    expect(sshd.keyLogin(keyUser.name, value('acs/ecs/web-key').PrivateKey)).toBe(true);
    expect(sshd.keyLogin(keyUser.name, before.PrivateKey)).toBe(false);
  });

  test('a custom key pair must match, and a Generic secret cannot rotate', () => {
    const mismatched = { PublicKey: otherKey.publicKey, PrivateKey: initialKey.privateKey };
    const refused = kms('RotateSecret', '--SecretName', 'acs/ecs/web-key', '--VersionId', 'v11', '--SecretData', JSON.stringify(mismatched));
    expect(serviceError(refused.stderr)?.message).toMatch(/PrivateKey does not belong to PublicKey/);
    ok(kms('CreateSecret', '--SecretName', 'plain', '--VersionId', 'v1', '--SecretData', 'x'));
    expect(serviceError(kms('RotateSecret', '--SecretName', 'plain', '--VersionId', 'v2').stderr)?.code).toBe('UnsupportedOperation');
  });
});
