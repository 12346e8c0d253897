/**
 * `import()` of an npm package or a node built-in, for modules loaded on demand. In the CLI bundle
 * the code runs from a V8 code cache (bin/load-bundle.js), where a literal `import()` has no module
 * loader to call; the loader puts its own `import` on a global symbol, and this uses it. Outside the
 * bundle (the compiled dist/ modules the tests import) the plain `import()` works.
 */
type Importer = (specifier: string) => Promise<unknown>;

export function importPackage<T>(specifier: string): Promise<T> {
  const viaLoader = (globalThis as Record<symbol, Importer | undefined>)[Symbol.for('kms-local.importPackage')];
  return (viaLoader ? viaLoader(specifier) : import(specifier)) as Promise<T>;
}
