/**
 * A throwaway OpenSSH server for rotation tests: sshd on a free loopback port, with its own host
 * key and config in a temp folder, and throwaway users made with useradd (removed with userdel -r
 * at the end). sshd must run as root to log other users in, so these tests need root, as CI has.
 * `findSshd()` says why the tests cannot run (no sshd installed, or not root), or undefined.
 *
 * Logins are checked with the real `ssh` client: a key login with -i, a password login through
 * SSH_ASKPASS (SSH_ASKPASS_REQUIRE=force), never through kms-local's own code.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './ports.js';

export const SSHD = '/usr/sbin/sshd';

/** Why an sshd-based test cannot run here, or undefined when it can. */
export function sshdUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  if (spawnSync('sh', ['-c', 'command -v ssh && command -v ssh-keygen']).status !== 0) return 'the ssh client (openssh-client) is not installed';
  if (process.getuid?.() !== 0) return 'sshd tests need root (to run sshd and to create a throwaway user)';
  return undefined;
}

function run(command: string, args: string[], input?: string): string {
  const out = spawnSync(command, args, { encoding: 'utf8', input, timeout: 30_000 });
  if (out.error) throw out.error;
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${out.status}): ${out.stderr}`);
  return out.stdout;
}

export interface TestUser {
  name: string;
  home: string;
  authorizedKeys: string;
  setPassword(password: string): void;
  /** Replaces ~/.ssh/authorized_keys, owned by the user, 0600. */
  writeAuthorizedKeys(text: string): void;
  readAuthorizedKeys(): string;
}

export interface KeyPair {
  publicKey: string;
  privateKey: string;
}

/** An RSA key pair made by ssh-keygen (PEM private key), as a user would bring one. */
export function sshKeygen(dir: string, name: string): KeyPair {
  const file = join(dir, name);
  run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-C', name, '-f', file]);
  return { publicKey: readFileSync(`${file}.pub`, 'utf8').trim(), privateKey: readFileSync(file, 'utf8') };
}

export function createUser(prefix: string): TestUser {
  const name = `${prefix}${randomBytes(3).toString('hex')}`;
  run('useradd', ['-m', '-s', '/bin/bash', name]);
  const home = run('sh', ['-c', `getent passwd ${name} | cut -d: -f6`]).trim();
  const authorizedKeys = join(home, '.ssh', 'authorized_keys');
  const user: TestUser = {
    name,
    home,
    authorizedKeys,
    setPassword(password) {
      run('chpasswd', [], `${name}:${password}\n`);
    },
    writeAuthorizedKeys(text) {
      const ids = run('id', ['-u', name]).trim();
      const gid = Number(run('id', ['-g', name]).trim());
      mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
      chownSync(join(home, '.ssh'), Number(ids), gid);
      writeFileSync(authorizedKeys, text, { mode: 0o600 });
      chmodSync(authorizedKeys, 0o600);
      chownSync(authorizedKeys, Number(ids), gid);
    },
    readAuthorizedKeys() {
      return readFileSync(authorizedKeys, 'utf8');
    },
  };
  // A locked account (no password) cannot log in at all when sshd does not use PAM.
  user.setPassword(`unused-${randomBytes(12).toString('hex')}-Aa1!`);
  return user;
}

export function removeUser(user: TestUser | undefined): void {
  if (user) spawnSync('userdel', ['-r', '-f', user.name], { timeout: 30_000 });
}

export interface SshServer {
  host: string;
  port: number;
  dir: string;
  /** `SHA256:...` of the host key now in use. */
  fingerprint(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Replaces the host key (as a reinstalled server would have) and restarts. */
  changeHostKey(): Promise<void>;
  /** Whether the real ssh client logs in as `user` with the private key. */
  keyLogin(user: string, privateKey: string): boolean;
  /** Whether the real ssh client logs in as `user` with the password. */
  passwordLogin(user: string, password: string): boolean;
  destroy(): Promise<void>;
}

function waitForPort(port: number, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startSshd(users: string[]): Promise<SshServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kms-local-sshd-'));
  chmodSync(dir, 0o755);
  // sshd's privilege-separation folder; a machine where sshd never ran has none.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_key');
  const makeHostKey = () => {
    rmSync(hostKey, { force: true });
    rmSync(`${hostKey}.pub`, { force: true });
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  };
  makeHostKey();
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PubkeyAuthentication yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      `AllowUsers ${users.join(' ')}`,
      'StrictModes yes',
      'MaxAuthTries 6',
      'LogLevel VERBOSE',
      'PrintMotd no',
      '',
    ].join('\n'),
  );
  run(SSHD, ['-t', '-f', config]);
  const askpass = join(dir, 'askpass.sh');
  writeFileSync(askpass, '#!/bin/sh\nprintf \'%s\\n\' "$KMS_LOCAL_TEST_PASSWORD"\n', { mode: 0o700 });
  let child: ChildProcess | undefined;
  let log = '';
  const clientOptions = (extra: string[]) => [
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=5',
    '-o', 'NumberOfPasswordPrompts=1',
    '-F', '/dev/null',
    '-p', String(port),
    ...extra,
  ];
  const server: SshServer = {
    host: '127.0.0.1',
    port,
    dir,
    fingerprint() {
      return run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]).split(' ')[1]!;
    },
    async start() {
      child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
      await waitForPort(port, Date.now() + 10_000);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
    async changeHostKey() {
      await server.stop();
      makeHostKey();
      await server.start();
    },
    keyLogin(user, privateKey) {
      const keyFile = join(dir, `key-${randomBytes(4).toString('hex')}`);
      writeFileSync(keyFile, privateKey, { mode: 0o600 });
      try {
        const out = spawnSync('ssh', [...clientOptions(['-i', keyFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'PreferredAuthentications=publickey']), `${user}@127.0.0.1`, 'echo kms-local-ok'], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        return out.status === 0 && out.stdout.trim() === 'kms-local-ok';
      } finally {
        rmSync(keyFile, { force: true });
      }
    },
    passwordLogin(user, password) {
      const out = spawnSync(
        'ssh',
        [...clientOptions(['-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'IdentitiesOnly=yes']), `${user}@127.0.0.1`, 'echo kms-local-ok'],
        {
          encoding: 'utf8',
          timeout: 20_000,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0', KMS_LOCAL_TEST_PASSWORD: password },
        },
      );
      return out.status === 0 && out.stdout.trim() === 'kms-local-ok';
    },
    async destroy() {
      await server.stop();
      if (process.env.KMS_LOCAL_TEST_SSHD_LOG === '1') process.stderr.write(log);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
