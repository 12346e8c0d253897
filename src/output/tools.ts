/** The aliyun CLI's output tools: `--cli-query` and `--output cols=... rows=... num=true`. */
import { CliError } from '../errors/errors.js';

export interface OutputOptions {
  query?: string;
  output?: string[];
}

export function formatWithTools(_response: Record<string, unknown>, _options: OutputOptions): string {
  throw new CliError('--cli-query and --output are not available yet in this version of kms-local.');
}
