/** Error text as the aliyun CLI prints it (Go SDK ServerError, cli/command.go processError). */
import { CliError, recommendFor, ServiceError } from '../errors/errors.js';

export interface Printed {
  stdout: string;
  stderr: string;
}

export interface Painter {
  error(text: string): string;
  notice(text: string): string;
}

export const plainPainter: Painter = { error: (t) => t, notice: (t) => t };

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Input echoed in a message (a region, a name, a word) is shown, never sent raw to the terminal:
 * control and bidirectional-override characters become \uXXXX. A service error's message is one
 * line, so a newline in it is escaped too.
 */
function shown(text: string, keepNewlines: boolean): string {
  return text.replace(keepNewlines ? CONTROLS_BUT_NEWLINE : CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function renderServiceError(err: ServiceError, requestId: string, paint: Painter): Printed {
  const block = [
    'ERROR: SDK.ServerError',
    `ErrorCode: ${err.code}`,
    `Recommend: ${recommendFor(err.code, requestId)}`,
    `RequestId: ${requestId}`,
    `Message: ${shown(err.message, false)}`,
  ].join('\n');
  return { stdout: '', stderr: `${paint.error(block)}\n` };
}

export function renderCliError(err: CliError, paint: Painter): Printed {
  let stderr = `${paint.error(`ERROR: ${shown(err.message, true)}`)}\n`;
  if (err.tip) stderr += paint.notice(`\n${err.tip}\n`);
  const stdout = err.suggestions.length
    ? paint.notice(`\nDid you mean:\n${err.suggestions.map((s) => `  ${s}\n`).join('')}`)
    : '';
  return { stdout, stderr };
}
