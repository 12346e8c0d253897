// Makes the V8 code cache of the CLI bundle (dist/bundle/kms-local.cjs.cache; see bin/load-bundle.js)
// at build time. A cache holds what V8 had compiled when it was made, so one training process runs
// the everyday commands of a rotation script (and an error) on a throwaway home, then saves it.
// A node other than the one that built it rejects the cache, and the CLI remakes it on first use.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const loader = join(root, 'bin', 'load-bundle.js');

const commands = [
  ['kms', 'CreateSecret', '--SecretName', 'training/db', '--SecretData', 'v1-value', '--VersionId', 'v1'],
  ['kms', 'GetSecretValue', '--SecretName', 'training/db'],
  ['kms', 'PutSecretValue', '--SecretName', 'training/db', '--SecretData', 'v2-value', '--VersionId', 'v2'],
  ['kms', 'GetSecretValue', '--SecretName', 'training/db', '--VersionStage', 'ACSPrevious'],
  ['kms', 'UpdateSecretVersionStage', '--SecretName', 'training/db', '--VersionStage', 'ACSCurrent', '--MoveToVersion', 'v1'],
  ['kms', 'DescribeSecret', '--SecretName', 'training/db'],
  ['kms', 'ListSecretVersionIds', '--SecretName', 'training/db'],
  ['kms', 'ListSecrets'],
  ['kms', 'GetRandomPassword'],
  ['kms', 'GetSecretValue', '--SecretName', 'training/absent'],
];

// In the child: load the bundle with a cache refresh forced, run every command, exit (which saves it).
const child = `
const { run } = require(${JSON.stringify(loader)}).loadBundle({ refresh: 'always' });
(async () => { for (const argv of ${JSON.stringify(commands)}) await run(argv); process.exitCode = 0; })();
`;

const home = mkdtempSync(join(tmpdir(), 'kms-local-code-cache-'));
try {
  const env = { PATH: process.env.PATH, HOME: home, KMS_LOCAL_HOME: join(home, 'home'), KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') };
  const result = spawnSync(process.execPath, ['-e', child], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`code cache: the training run failed (${result.status}): ${result.stderr}`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
const { CACHE } = await import(loader).then((m) => m.default);
if (!existsSync(CACHE)) throw new Error(`code cache: ${CACHE} was not written`);
