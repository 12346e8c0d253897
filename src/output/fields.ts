/**
 * The key=value words of `--output` and `--pager`, checked as the aliyun CLI checks them
 * (cli/flag.go assignField, cli/flag_field.go check). Pure.
 */
import { CliError } from '../errors/errors.js';

export function parseFields(flag: string, words: readonly string[], keys: readonly string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const word of words) {
    const cut = word.indexOf('=');
    if (cut < 0) throw new CliError(`--${flag} can't assign with value`);
    const key = word.slice(0, cut);
    if (!keys.includes(key)) throw new CliError(`--${flag} can't assign with ${key}=`);
    if (fields.has(key)) throw new CliError(`bad flag format --${flag} with field ${key}= duplicated`);
    fields.set(key, word.slice(cut + 1));
  }
  return fields;
}

/** cli.UnquoteString: `"a,b"` -> `a,b`. */
export function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}
