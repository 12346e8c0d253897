/** The part of jmespath.js (0.16) kms-local uses; the package ships no types. */
declare module 'jmespath' {
  export function search(data: unknown, expression: string): unknown;
  export function compile(expression: string): unknown;
  const jmespath: { search: typeof search; compile: typeof compile };
  export default jmespath;
}
