// Makes the V8 code cache of the CLI bundle (dist/bundle/kms-local.cjs.cache; see bin/load-bundle.js)
// at build time. A cache holds what V8 had compiled when it was made, so one training process runs
// commands on a throwaway home, then saves it. A node other than the one that built it rejects the
// cache, and the CLI remakes it on first use.
//
// What it is trained on: GetSecretValue and PutSecretValue, the two calls scripts and applications
// make most, and nothing else. V8 deserialises the whole cache at every start, and each command's
// own functions cost more there than compiling the few a run needs: trained on these two (404 KB)
// rather than on ten everyday commands (445 KB), every command measured was 0.5-1 ms faster,
// those left out of the training included (CreateSecret, UpdateSecretVersionStage, DescribeSecret,
// ListSecrets, ListSecretVersionIds, GetRandomPassword, an error), in interleaved runs.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const loader = join(root, 'bin', 'load-bundle.js');

/** Made before training, in a process of its own, so that its code is not in the cache. */
const setup = ['kms', 'CreateSecret', '--SecretName', 'training/db', '--SecretData', 'v1-value', '--VersionId', 'v1'];
const commands = [
  ['kms', 'GetSecretValue', '--SecretName', 'training/db'],
  ['kms', 'PutSecretValue', '--SecretName', 'training/db', '--SecretData', 'v2-value', '--VersionId', 'v2'],
];

// The lazy bundle (scripts/bundle.mjs) gets its cache from a second process, which finds the main
// cache valid and leaves it as the first made it: commands that need the lazy bundle (here an
// output query, the aliyun CLI's `--cli-query`) must not add their code to the main cache, which
// every command deserialises.
const lazyCommands = [['kms', 'GetSecretValue', '--SecretName', 'training/db', '--cli-query', 'SecretData']];

/** Runs `argvs` in one process that loads the bundles with `refresh` (see bin/load-bundle.js) and exits, saving caches. */
function train(env, argvs, refresh) {
  const child = `
const { run } = require(${JSON.stringify(loader)}).loadBundle({ refresh: ${JSON.stringify(refresh)} });
(async () => { for (const argv of ${JSON.stringify(argvs)}) await run(argv); process.exitCode = 0; })();
`;
  const result = spawnSync(process.execPath, ['-e', child], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`code cache: the training run failed (${result.status}): ${result.stderr}`);
}

const home = mkdtempSync(join(tmpdir(), 'kms-local-code-cache-'));
try {
  const env = { PATH: process.env.PATH, HOME: home, KMS_LOCAL_HOME: join(home, 'home'), KMS_LOCAL_MASTER_KEY: randomBytes(32).toString('base64') };
  train(env, [setup], 'stale');
  train(env, commands, 'always');
  train(env, lazyCommands, 'stale');
} finally {
  rmSync(home, { recursive: true, force: true });
}
const { BUNDLE, LAZY_BUNDLE } = await import(loader).then((m) => m.default);
for (const bundle of [BUNDLE, LAZY_BUNDLE]) {
  if (!existsSync(`${bundle}.cache`)) throw new Error(`code cache: ${bundle}.cache was not written`);
}
