/**
 * SSH adapter for ECS secrets (Password, SSHKey), with `ssh2`.
 *
 * Host keys: the target's pinned `SHA256:` fingerprint must match; a target without one learns it
 * on the first connection and pins it (as ssh's `accept-new`); a changed key stops the rotation.
 *
 * SSHKey: log in with the current key; append the new public key to ~/.ssh/authorized_keys;
 * verify a fresh login with the new key; then remove the secret's other keys (matched by their
 * key blob, whatever their options or comment) with an atomic replace that refuses to write a
 * file without the new key.
 * Password: log in with the current password; root sets it with `chpasswd`, any other user with
 * `passwd` on a pseudo-terminal (the user changes its own password, no privilege needed); then
 * verify a fresh password login. Rollback sets the old password back the same way.
 * Commands get their inputs on stdin, never in the command line.
 */
import { createHash } from 'node:crypto';
import type { Client as SshClient, ClientChannel, ConnectConfig } from 'ssh2';
import type { EcsPasswordValue, EcsSshKeyValue } from '../core/dynamic.js';
import { publicKeyBlob } from '../crypto/ssh-key.js';
import type { SshTarget, TargetRegistry } from './registry.js';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, TargetError, type Credential, type TargetSession } from './adapter.js';
import { importPackage } from '../import-package.js';

type Ssh2Module = typeof import('ssh2');

export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

const ADD_KEY = [
  'umask 077',
  'mkdir -p "$HOME/.ssh" || exit 1',
  'f="$HOME/.ssh/authorized_keys"',
  'touch "$f" || exit 1',
  'IFS= read -r key || exit 1',
  'grep -qxF -- "$key" "$f" && exit 0',
  // A last line without its newline would swallow the new key.
  '[ -s "$f" ] && [ -n "$(tail -c1 "$f")" ] && echo >> "$f"',
  'printf \'%s\\n\' "$key" >> "$f"',
].join('\n');

const REMOVE_KEYS = [
  'umask 077',
  'f="$HOME/.ssh/authorized_keys"',
  't="$f.kms-local.$$"',
  // stdin: the blob to keep, then the blobs to drop; a line goes if any field is a dropped blob.
  'awk \'NR==FNR { if (FNR == 1) keep = $0; else if ($0 != "") drop[$0] = 1; next }',
  '  { out = 1; for (i = 1; i <= NF; i++) { if ($i in drop) out = 0; if ($i == keep) kept = 1 } if (out) print }',
  '  END { if (!kept) exit 3 }\' - "$f" > "$t" || { rm -f "$t"; echo "the new key is not in $f; nothing removed" >&2; exit 3; }',
  'mv -f "$t" "$f"',
].join('\n');

interface CommandResult {
  code: number | null;
  output: string;
}

export class SshSession implements TargetSession {
  private readonly target: SshTarget;
  private readonly registry: TargetRegistry;
  private ssh2: Ssh2Module | undefined;
  private client: SshClient | undefined;
  private isRoot = false;
  /** The credential the session logged in with, and the one `apply` put on the target. */
  private loggedInWith: Credential | undefined;
  private applied: Credential | undefined;

  constructor(target: SshTarget, registry: TargetRegistry) {
    this.target = target;
    this.registry = registry;
  }

  private where(): string {
    return `SSH ${this.target.instanceId} (${this.target.host}:${this.target.port})`;
  }

  private async connect(credential: Credential): Promise<SshClient> {
    this.ssh2 ??= (await importPackage<{ default: unknown }>('ssh2')).default as unknown as Ssh2Module;
    const value = credential.value as EcsPasswordValue | EcsSshKeyValue;
    const client = new this.ssh2.Client();
    let hostKeyProblem: string | undefined;
    const config: ConnectConfig = {
      host: this.target.host,
      port: this.target.port,
      username: value.UserName,
      readyTimeout: CONNECT_TIMEOUT_MS,
      // Answered through `verify`: pinning a learned key is a write to the store (a database's, maybe).
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        const offered = hostKeyFingerprint(key);
        const check = (pinned: string): boolean => {
          if (offered === pinned) return true;
          hostKeyProblem =
            `the host key of ${this.where()} has changed: pinned ${pinned}, offered ${offered}. ` +
            `If the change is expected, pin the new key: kms-local target add --InstanceId ${this.target.instanceId} --Host ${this.target.host} --Port ${this.target.port} --HostKeyFingerprint ${offered}`;
          return false;
        };
        const known = this.target.hostKeyFingerprint;
        if (known) return verify(check(known));
        this.registry.learnHostKey(this.target.instanceId, offered).then(
          (pinned) => {
            this.target.hostKeyFingerprint = pinned;
            verify(check(pinned));
          },
          (err: unknown) => {
            hostKeyProblem = `the host key of ${this.where()} could not be pinned: ${(err as Error).message}`;
            verify(false);
          },
        );
      },
    };
    if ('PrivateKey' in value) {
      config.privateKey = value.PrivateKey;
    } else {
      config.password = value.Password;
      config.tryKeyboard = true;
      client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => value.Password)));
    }
    return new Promise<SshClient>((resolve, reject) => {
      client.once('ready', () => {
        client.removeAllListeners('error');
        client.on('error', () => undefined);
        resolve(client);
      });
      client.once('error', (err: Error & { level?: string; code?: string }) => {
        client.end();
        if (hostKeyProblem) return reject(new TargetError('hostkey', hostKeyProblem));
        const auth = err.level === 'client-authentication';
        reject(new TargetError(auth ? 'auth' : 'unreachable', `${this.where()}: ${err.message}`));
      });
      try {
        client.connect(config);
      } catch (err) {
        reject(new TargetError('failed', `${this.where()}: ${(err as Error).message}`));
      }
    });
  }

  /** Runs `command`, writes `input` to its stdin, answers prompts on a pty if `prompts` is given. */
  private run(command: string, input: string, prompts?: (output: string) => string | undefined): Promise<CommandResult> {
    const client = this.client;
    if (!client) return Promise.reject(new TargetError('failed', 'not logged in'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TargetError('unreachable', `${this.where()}: a command timed out`)), COMMAND_TIMEOUT_MS);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        fn();
      };
      client.exec(command, prompts ? { pty: { term: 'dumb' } } : {}, (err: Error | undefined, stream: ClientChannel) => {
        if (err) return done(() => reject(new TargetError('unreachable', `${this.where()}: ${err.message}`)));
        let output = '';
        let pending = '';
        const onData = (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (!prompts) return;
          pending += chunk.toString('utf8');
          const answer = prompts(pending);
          if (answer !== undefined) {
            pending = '';
            stream.write(`${answer}\n`);
          }
        };
        stream.on('data', onData);
        stream.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
        stream.on('close', (code: number | null) => done(() => resolve({ code, output })));
        if (!prompts) stream.end(input);
      });
    });
  }

  private check(result: CommandResult, what: string, secrets: string[] = []): void {
    if (result.code === 0) return;
    let output = result.output.trim().split('\n').slice(-3).join(' / ');
    for (const s of secrets) if (s) output = output.split(s).join('******');
    throw new TargetError('failed', `${this.where()}: ${what} failed (exit ${result.code ?? 'none'})${output ? `: ${output}` : ''}`);
  }

  async login(candidates: readonly Credential[]): Promise<string> {
    const refused: string[] = [];
    for (const candidate of candidates) {
      try {
        this.client = await this.connect(candidate);
      } catch (err) {
        if (!(err instanceof TargetError) || err.kind !== 'auth') throw err;
        refused.push(`version ${candidate.versionId}`);
        continue;
      }
      const id = await this.run('id -u', '');
      this.isRoot = id.code === 0 && id.output.trim() === '0';
      this.loggedInWith = candidate;
      return candidate.versionId;
    }
    const user = (candidates[0]?.value as EcsPasswordValue | undefined)?.UserName ?? '?';
    throw new TargetError('auth', `${this.where()} refused every credential of ${user} it was offered (${refused.join(', ')}).`);
  }

  private async setPassword(from: EcsPasswordValue | undefined, to: EcsPasswordValue): Promise<void> {
    if (this.isRoot) {
      this.check(await this.run('chpasswd', `${to.UserName}:${to.Password}\n`), `chpasswd for ${to.UserName}`);
      return;
    }
    const answers = (output: string): string | undefined => {
      const last = output.split(/\r?\n/).pop() ?? '';
      if (!/password:\s*$/i.test(last)) return undefined;
      if (/retype|again|confirm|repeat/i.test(last)) return to.Password;
      if (/new/i.test(last)) return to.Password;
      return from?.Password ?? '';
    };
    this.check(await this.run('LC_ALL=C passwd', '', answers), `passwd for ${to.UserName}`, [to.Password, from?.Password ?? '']);
  }

  async apply(next: Credential): Promise<void> {
    this.applied = next;
    if ('PublicKey' in next.value) {
      this.check(await this.run(ADD_KEY, `${(next.value as EcsSshKeyValue).PublicKey}\n`), 'adding the new public key to authorized_keys');
      return;
    }
    await this.setPassword(this.loggedInWith?.value as EcsPasswordValue | undefined, next.value as EcsPasswordValue);
  }

  async verify(next: Credential): Promise<void> {
    const client = await this.connect(next).catch((err: TargetError) => {
      throw new TargetError(err.kind, `the new credential does not log in: ${err.message}`);
    });
    client.end();
  }

  async retire(keep: Credential, old: readonly Credential[]): Promise<void> {
    const keepBlob = publicKeyBlob((keep.value as EcsSshKeyValue).PublicKey);
    const drop = old.map((c) => publicKeyBlob((c.value as EcsSshKeyValue).PublicKey)).filter((b) => b && b !== keepBlob);
    if (drop.length === 0) return;
    // Log in afresh with the new key: the old key's session must not be what removes the new one.
    this.client?.end();
    this.client = await this.connect(keep);
    this.check(await this.run(REMOVE_KEYS, `${[keepBlob, ...drop].join('\n')}\n`), 'removing the old keys from authorized_keys');
  }

  async rollback(to: Credential): Promise<void> {
    // The session is still logged in with `to`; the target holds the pending credential now.
    if ('PublicKey' in to.value) {
      return; // The old key was never removed: nothing to restore (the new key is retired next time).
    }
    // In a fresh session (the one that applied it is gone) the password in force is the one it logged in with.
    await this.setPassword((this.applied ?? this.loggedInWith)?.value as EcsPasswordValue | undefined, to.value as EcsPasswordValue);
  }

  async close(): Promise<void> {
    this.client?.end();
    this.client = undefined;
  }
}
