// `npm run demo`: the generic-secret rotation walkthrough of the product document, end to end,
// against a fresh temporary home. Each command is printed as a user would type it, then its output.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kms-local.js');
const home = mkdtempSync(join(tmpdir(), 'kms-local-demo-'));
const env = { ...process.env, KMS_LOCAL_HOME: home };
delete env.KMS_LOCAL_NOW;

const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

function kms(...args) {
  process.stdout.write(`\n$ kms-local kms ${args.map(quote).join(' ')}\n`);
  const result = spawnSync(process.execPath, [bin, 'kms', ...args], { env, encoding: 'utf8' });
  process.stdout.write(result.stdout);
  process.stdout.write(result.stderr);
  if (result.status !== 0) {
    process.stderr.write(`demo: the command above exited with ${result.status}\n`);
    process.exit(1);
  }
  return result.stdout ? JSON.parse(result.stdout) : undefined;
}

function say(text) {
  process.stdout.write(`\n# ${text}\n`);
}

try {
  say(`A fresh kms-local home: ${home}`);

  say('Rotate a generic secret by calling a single API operation');
  say('The OAuth system issued the first application secret; the administrator stores it.');
  kms('CreateSecret', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'initial-app-secret', '--VersionId', 'v1');
  say('A new application secret was generated; storing it makes it ACSCurrent and the old one ACSPrevious.');
  kms('PutSecretValue', '--SecretName', 'MyOAuthAppSecret', '--SecretData', 'sample-app-secret', '--VersionId', 'v2');
  say('The application reads the secret by name and gets the latest value.');
  const oauthCurrent = kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret');
  kms('GetSecretValue', '--SecretName', 'MyOAuthAppSecret', '--VersionStage', 'ACSPrevious');

  say('Rotate a generic secret by calling multiple API operations');
  kms('CreateSecret', '--SecretName', 'db_cred', '--SecretData', '{"uname": "alice", "pwd": "initial-db-password"}', '--VersionId', 'v1');
  say('1. Generate a new password.');
  const { RandomPassword: password } = kms('GetRandomPassword', '--ExcludePunctuation', 'true');
  say('2. Store the new credential under MyPendingLabel; ACSCurrent and ACSPrevious stay where they are.');
  kms('PutSecretValue', '--SecretName', 'db_cred', '--SecretData', JSON.stringify({ uname: 'alice', pwd: password }), '--VersionId', 'v2', '--VersionStages', '["MyPendingLabel"]');
  kms('GetSecretValue', '--SecretName', 'db_cred');
  say('3. (The new password is registered with the database here.)');
  say('4. Mark the new version ACSCurrent.');
  kms('UpdateSecretVersionStage', '--SecretName', 'db_cred', '--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v2');
  say('5. The application now reads the new credential; the old one is ACSPrevious.');
  const dbCurrent = kms('GetSecretValue', '--SecretName', 'db_cred');
  say('6. The pending label has done its job; remove it.');
  kms('UpdateSecretVersionStage', '--SecretName', 'db_cred', '--VersionStage', 'MyPendingLabel', '--RemoveFromVersion', 'v2');
  kms('ListSecretVersionIds', '--SecretName', 'db_cred');

  say('Current values after each rotation');
  process.stdout.write(`MyOAuthAppSecret: ${oauthCurrent.SecretData} (version ${oauthCurrent.VersionId})\n`);
  process.stdout.write(`db_cred:          ${dbCurrent.SecretData} (version ${dbCurrent.VersionId})\n`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
