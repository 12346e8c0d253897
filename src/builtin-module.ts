/**
 * A node built-in, loaded when first asked for. Importing node:module for its createRequire (the
 * way to require from an ES module) loads the public 'module' built-in, and with it the source-map
 * and ES-module-loader internals: about 0.15 ms of every start, in the bundle, where a static
 * import is required at load. process.getBuiltinModule (node 20.16 and later) needs none of that;
 * on an older node, the bundle's own CommonJS require does the same (the only way kms-local runs
 * there: the tests, which import the ES modules, need a current node).
 */
type GetBuiltin = (id: string) => unknown;

export function builtinModule<T>(id: string): T {
  const getBuiltin = (process as { getBuiltinModule?: GetBuiltin }).getBuiltinModule;
  if (getBuiltin) return getBuiltin.call(process, id) as T;
  if (typeof require === 'function') return require(id) as T;
  throw new Error(`node ${process.version} cannot load ${id} here: kms-local needs node 20.16 or later`);
}
