/**
 * The client examples of docs/serve.md run as written: each ```js block is saved as a file and run
 * by node against a real `kms-local serve`, with the AccessKey pair in the environment, and must
 * print the secret's value. Only the port is changed (the server listens on a free one).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, makeHome, removeHome, runCli } from '../support/cli.js';
import { ACCESS_KEY_ID, ACCESS_KEY_SECRET, startServe, type Served } from '../support/serve.js';

const SERVE_DOC = readFileSync(join(REPO_ROOT, 'docs', 'serve.md'), 'utf8');
const examples = [...SERVE_DOC.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const VALUE = '{"uname":"alice","pwd":"s3cr3t"}';

let home: string;
let served: Served;

beforeAll(async () => {
  home = makeHome();
  expect(runCli(['kms', 'CreateSecret', '--SecretName', 'db_cred', '--SecretData', VALUE, '--VersionId', 'v1'], { home }).code).toBe(0);
  served = await startServe(home);
});

afterAll(async () => {
  await served?.stop();
  removeHome(home);
});

describe('docs/serve.md client examples', () => {
  test('the page has the Node.js examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  examples.forEach((source, index) => {
    test(`example ${index + 1} (${source.split('\n')[0]}) prints the secret`, () => {
      expect(source).toContain("'127.0.0.1:8080'");
      const file = join(home, `example-${index + 1}.cjs`);
      writeFileSync(file, source.replace("'127.0.0.1:8080'", `'${served.endpoint}'`));
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        // The examples require the SDKs the way an application does; here they come from the repo.
        NODE_PATH: join(REPO_ROOT, 'node_modules'),
        ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY_ID,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY_SECRET,
      };
      const child = spawnSync(process.execPath, [file], { env, encoding: 'utf8', timeout: 30_000 });
      expect({ stderr: child.stderr, code: child.status }).toEqual({ stderr: '', code: 0 });
      expect(child.stdout).toBe(`${VALUE}\n`);
    });
  });
});
