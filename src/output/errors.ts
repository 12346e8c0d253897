/** Error text as the aliyun CLI prints it (Go SDK ServerError, cli/command.go processError). */
import { CliError, ServiceError } from '../errors/errors.js';

export interface Printed {
  stdout: string;
  stderr: string;
}

export interface Painter {
  error(text: string): string;
  notice(text: string): string;
}

export const plainPainter: Painter = { error: (t) => t, notice: (t) => t };

export function renderServiceError(err: ServiceError, requestId: string, paint: Painter): Printed {
  const block = [
    'ERROR: SDK.ServerError',
    `ErrorCode: ${err.code}`,
    'Recommend:',
    `RequestId: ${requestId}`,
    `Message: ${err.message}`,
  ].join('\n');
  return { stdout: '', stderr: `${paint.error(block)}\n` };
}

export function renderCliError(err: CliError, paint: Painter): Printed {
  let stderr = `${paint.error(`ERROR: ${err.message}`)}\n`;
  if (err.tip) stderr += paint.notice(`\n${err.tip}\n`);
  const stdout = err.suggestions.length
    ? paint.notice(`\nDid you mean:\n${err.suggestions.map((s) => `  ${s}\n`).join('')}`)
    : '';
  return { stdout, stderr };
}
