/** Expectations of one kms-local run that many end-to-end suites share. */
import { expect } from '@jest/globals';
import { aliyunJson, serviceError, UUID_V4, type CliResult } from './cli.js';

/** Exit 0 and nothing on stderr, for any command (a built-in's output is not an API response). */
export function expectSuccess(result: CliResult): CliResult {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return result;
}

/** A successful response: exit 0, nothing on stderr, the aliyun rendering, a fresh RequestId. */
export function expectOk(result: CliResult): any {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout).toBe(aliyunJson(result.json));
  expect(result.json.RequestId).toMatch(UUID_V4);
  return result.json;
}

/** A service error: exit 1, nothing on stdout, the SDK.ServerError block with this code; its message. */
export function expectServiceError(result: CliResult, code: string): string {
  const error = serviceError(result.stderr);
  expect({ exit: result.code, stdout: result.stdout, code: error?.code }).toEqual({ exit: 1, stdout: '', code });
  return error!.message;
}
