// Bundles the compiled CLI into two CommonJS files, because start-up time is a feature: node loads
// one CommonJS file markedly faster than a tree of ES modules (no asynchronous resolve and link of
// each module: measured ~46 ms for the split ES-module bundle against ~41 ms for one file, with
// `node -e 0` at ~23 ms). npm packages stay external and load from node_modules as usual.
//
// - dist/bundle/kms-local.cjs: everything the everyday commands reach statically.
// - dist/bundle/kms-local-lazy.cjs: what only src/lazy.ts reaches (the server, `run`, the
//   PostgreSQL store, rotation and its adapters, the output tools, `store copy`). Kept in the main
//   bundle, it was compiled, read and deserialised from the code cache at every start although
//   those commands never ran it: about 3 ms of CPU of GetSecretValue's ~30 ms.
//
// The lazy bundle must share the main bundle's instances of the modules both reach (a class is one
// class for `instanceof`, a module's state is one state): the main bundle exports a namespace of
// each such module (`sharedModules()`), and in the lazy bundle each import of one is replaced by a
// reference to that namespace, which bin/load-bundle.js hands over when it loads the lazy bundle.
// `import('../lazy.js')` in the main bundle becomes a call of the loader's `loadLazy`.
//
// esbuild-wasm is used rather than esbuild: it is pure WebAssembly, no native binary to install.
import { build } from 'esbuild-wasm';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const outdir = join(dist, 'bundle');
const ENTRY = join(dist, 'cli', 'entry.js');
const LAZY = join(dist, 'lazy.js');
/** Global symbols set by bin/load-bundle.js (it reads the same names). */
const LOAD_LAZY = 'kms-local.loadLazy';
const SHARED = 'kms-local.shared';

const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // The sources are ES modules; the few uses of import.meta.url get the bundle's own URL, made
  // when first asked (making it at every start cost about 0.2 ms).
  //
  // Each bundle is written inside node's module wrapper (Module.wrapper), which bin/load-bundle.js
  // would otherwise add at every start, and V8 then copy the whole text to join it.
  //
  // esbuild writes a require() of a node built-in into every module that imports it (about 50 in
  // the main bundle). Each call goes through node's module loader, ~7 us: 0.35 ms of every start.
  // They are rewritten below to `__nodeBuiltin`, which asks once per built-in.
  banner: {
    js: `${Module.wrapper[0]}const __nodeBuiltins = new Map(), __nodeBuiltin = (id) => { let found = __nodeBuiltins.get(id); if (found === undefined) __nodeBuiltins.set(id, (found = require(id))); return found; }; const __bundle = { get url() { return require("node:url").pathToFileURL(__filename).href; } };`,
  },
  footer: { js: Module.wrapper[1] },
  define: { 'import.meta.url': '__bundle.url' },
  // Whitespace and syntax only: names stay, so a stack (KMS_LOCAL_DEBUG=1) still reads; a smaller
  // bundle is less to read, decode and deserialise from the code cache at every start.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  logLevel: 'warning',
};

/** The relative import `path` seen from `resolveDir`, as a path relative to the repository, or undefined. */
function localModule(path, resolveDir) {
  if (!path.startsWith('.') && !isAbsolute(path)) return undefined;
  return relative(root, resolve(resolveDir, path)).split('\\').join('/');
}

/** In the main bundle: `import('../lazy.js')` asks the loader for the lazy bundle. */
const lazyThroughLoader = {
  name: 'lazy-through-loader',
  setup(b) {
    b.onResolve({ filter: /lazy\.js$/ }, (args) => (localModule(args.path, args.resolveDir) === 'dist/lazy.js' ? { path: 'lazy', namespace: 'lazy-bundle' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-bundle' }, () => ({
      contents: `module.exports = globalThis[Symbol.for(${JSON.stringify(LOAD_LAZY)})]();`,
      loader: 'js',
    }));
  },
};

/** In the lazy bundle: a module the main bundle has is taken from it, never bundled twice. */
function fromMainBundle(shared) {
  return {
    name: 'from-main-bundle',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const module = localModule(args.path, args.resolveDir);
        return module !== undefined && shared.has(module) ? { path: module, namespace: 'main-bundle' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'main-bundle' }, (args) => ({
        contents: `module.exports = globalThis[Symbol.for(${JSON.stringify(SHARED)})][${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}

/** The repository-relative paths of the modules a build of `entry` takes in. */
async function modulesOf(entry, plugins) {
  const { metafile } = await build({ ...common, entryPoints: [entry], plugins, write: false, metafile: true, outfile: join(outdir, 'graph.cjs') });
  return new Set(Object.keys(metafile.inputs).filter((path) => !path.includes(':')));
}

/**
 * The names the lazy bundle takes from each shared module: an ES-module build of it with the
 * shared modules left external lists exactly those in its import statements. Only those names are
 * handed over: a whole namespace per module would keep every export of 120-odd modules in the main
 * bundle and build an object of getters for each at every start (measured: the split's gain gone).
 */
async function namesTakenFrom(shared) {
  const external = {
    name: 'shared-external',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const module = localModule(args.path, args.resolveDir);
        return module !== undefined && shared.has(module) ? { path: module, external: true } : undefined;
      });
    },
  };
  const { outputFiles } = await build({ ...common, entryPoints: [LAZY], plugins: [external], format: 'esm', minifyWhitespace: false, minifySyntax: false, banner: {}, define: {}, write: false, outfile: join(outdir, 'names.mjs') });
  const text = outputFiles[0].text;
  const names = new Map();
  const take = (module, name) => {
    if (!shared.has(module)) return;
    if (!names.has(module)) names.set(module, new Set());
    names.get(module).add(name);
  };
  for (const [, clause, module] of text.matchAll(/^(?:import|export)\s+([^;]*?)\s+from\s+"([^"]+)";$/gms)) {
    const named = /\{([^}]*)\}/.exec(clause);
    for (const item of named ? named[1].split(',') : []) {
      const name = item.trim().split(/\s+as\s+/)[0];
      if (name) take(module, name);
    }
    const rest = clause.replace(/\{[^}]*\}/, '').replace(/,/g, ' ').trim();
    if (rest.startsWith('* as ')) take(module, '*');
    else if (rest) take(module, 'default');
  }
  for (const module of shared) {
    if (new RegExp(`from\\s+"${module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).test(text) && !names.has(module)) {
      throw new Error(`bundle: could not read what the lazy bundle imports from ${module}`);
    }
  }
  return names;
}

/** The main bundle's entry: `run`, and a getter per name the lazy bundle takes from a shared module. */
function mainEntry(names) {
  const lines = [`export { run } from './cli/entry.js';`];
  const modules = [];
  [...names.keys()].sort().forEach((module, i) => {
    const from = JSON.stringify(`./${relative('dist', module)}`);
    const taken = [...names.get(module)].sort();
    if (taken.includes('*')) {
      lines.push(`import * as shared${i} from ${from};`);
      modules.push(`${JSON.stringify(module)}: shared${i}`);
      return;
    }
    lines.push(`import { ${taken.map((name) => `${name} as shared${i}_${name}`).join(', ')} } from ${from};`);
    // Getters, so that a `let` export reassigned later is still seen as it is now.
    modules.push(`${JSON.stringify(module)}: { ${taken.map((name) => `get ${name}() { return shared${i}_${name}; }`).join(', ')} }`);
  });
  // Made when the lazy bundle is first loaded, not at every start: its ~140 getters were about 30 KB
  // of the young generation that every command filled before doing anything.
  lines.push(`export function sharedModules() { return { ${modules.join(', ')} }; }`);
  return lines.join('\n');
}

const mainModules = await modulesOf(ENTRY, [lazyThroughLoader]);
const shared = new Set([...(await modulesOf(LAZY, []))].filter((path) => mainModules.has(path)));
const names = await namesTakenFrom(shared);

rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  stdin: { contents: mainEntry(names), resolveDir: dist, sourcefile: 'dist/bundle-main.js', loader: 'js' },
  outfile: join(outdir, 'kms-local.cjs'),
  plugins: [lazyThroughLoader],
});
await build({ ...common, entryPoints: [LAZY], outfile: join(outdir, 'kms-local-lazy.cjs'), plugins: [fromMainBundle(shared)] });

/** esbuild's `var import_x=require("node:x")` (always after `=`, never in a string): asked once per built-in instead. */
const BUILTIN_REQUIRE = /=\s*require\("(node:[a-z0-9_/]+)"\)/g;

for (const file of ['kms-local.cjs', 'kms-local-lazy.cjs']) {
  const path = join(outdir, file);
  const bundled = readFileSync(path);
  // bin/load-bundle.js decodes the bundles as latin1, which is only right for ASCII.
  const wide = bundled.findIndex((byte) => byte > 0x7f);
  if (wide !== -1) throw new Error(`bundle: a non-ASCII byte in ${file} at offset ${wide} (load-bundle.js reads the bundles as latin1)`);
  const text = bundled.toString('latin1');
  const rewritten = text.replace(BUILTIN_REQUIRE, (_match, id) => `=__nodeBuiltin(${JSON.stringify(id)})`);
  // What is left is the banner's own lazy require of node:url; anything more is a form not rewritten.
  if (rewritten.split('require("node:').length - 1 !== 1) throw new Error(`bundle: ${file} requires a node built-in in a form BUILTIN_REQUIRE does not rewrite`);
  writeFileSync(path, rewritten, 'latin1');
}
