/**
 * The published entries as one bundle (issue 28): `import 'bulkpipe'` compiled 200 modules of tsc's
 * output, and Node's ESM loader costs about a millisecond of CPU for each (resolution, reading,
 * compiling): most of the import's cost. esbuild links tsc's JavaScript (not the TypeScript: one
 * compiler's output, the same as the CLI runs) into dist/bundle/: an entry file for each sub-path of
 * package.json's `exports` and shared chunks, so that each class exists once for all the entries
 * (`instanceof` holds across `bulkpipe`, `bulkpipe/wire`, `bulkpipe/bench` and `bulkpipe/server`),
 * and a dynamic import (the load pipelines, the CLI's commands) stays a chunk of its own, loaded at
 * its first call. Packages stay outside (`require`d or imported from node_modules, as before).
 * The types are tsc's declarations beside its per-file output.
 * The CLI is a bundle of its own (issue 28, third session: `bulkpipe query` compiled 91 files of
 * tsc's output at each start): dist/bin/bulkpipe.js, tsc's entry, is replaced by its bundle, and
 * each command it imports when it runs (and what a command imports when it runs: the load
 * pipeline, the query pipeline, the local org) is a chunk of its own in dist/bin/chunks/, so
 * `bulkpipe --help` loads no command and `bulkpipe load` none of the query. It keeps its path, the
 * one package.json's `bin`, the tests and users run. Its own bundle, not an entry of the one above:
 * the CLI imports no entry of the package, so sharing chunks with them would only split both finer.
 * tsc's other files in dist/bin/ are removed (the bundle holds them).
 * The CLI's undici is not the package's index but scripts/cli-undici.cjs, bundled with the undici
 * files it requires (its Pool and request API: 30 files of 110, about 120 ms less CPU at each
 * query's start): `undiciPool` below. The library's bundle keeps undici external, the whole package.
 * Usage, after `tsc -p tsconfig.build.json` (each run needs tsc's dist/bin/bulkpipe.js, which it
 * replaces): node scripts/bundle.mjs
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// Chunk names carry a hash of their content: without this, every rebuild would leave the old set beside the new.
rmSync('dist/bundle', { recursive: true, force: true });

/** What both bundles share: ES modules for Node 20 in chunks, packages left to node_modules. */
const COMMON = {
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Class names stay as written (esbuild renames a class whose name another module uses too): errors name themselves by them.
  keepNames: true,
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...COMMON,
  entryPoints: {
    index: 'dist/index.js',
    wire: 'dist/lib/wire/index.js',
    bench: 'dist/bench/index.js',
    server: 'dist/server/index.js',
  },
  outdir: 'dist/bundle',
});

/**
 * lib/packages.ts's `require('undici')`, in the CLI: scripts/cli-undici.cjs (undici's Pool and
 * request API), and undici's own files, which that module requires by path, bundled rather than
 * left to node_modules like the other packages. lib/packages.ts requires through `createRequire`,
 * which esbuild leaves alone: its call becomes one of a module of its own (`cli-undici:load`), a
 * `require` esbuild bundles, still run at its first call. Each undici path is resolved as Node
 * would (undici has no `exports` map): one another undici version lacks fails the build here, as
 * does a lib/packages.ts that no longer requires undici as written.
 */
const undiciPool = {
  name: 'undici-pool',
  setup(b) {
    const require = createRequire(import.meta.url);
    const shim = fileURLToPath(new URL('cli-undici.cjs', import.meta.url));
    const CALL = "require('undici')";
    b.onLoad({ filter: /[\\/]dist[\\/]lib[\\/]packages\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (source.split(CALL).length !== 2) throw new Error(`${args.path}: expected one ${CALL} (scripts/bundle.mjs)`);
      return { contents: `import { loadUndici } from 'cli-undici:load';\n${source.replace(CALL, 'loadUndici()')}`, loader: 'js' };
    });
    b.onResolve({ filter: /^cli-undici:load$/ }, () => ({ path: 'load', namespace: 'cli-undici' }));
    b.onLoad({ filter: /.*/, namespace: 'cli-undici' }, () => ({ contents: "export const loadUndici = () => require('undici');", loader: 'js', resolveDir: dirname(shim) }));
    b.onResolve({ filter: /^undici$/ }, (args) => {
      if (args.namespace !== 'cli-undici') throw new Error(`undici imported by ${args.importer}: only lib/packages.ts may (scripts/bundle.mjs)`);
      return { path: shim };
    });
    b.onResolve({ filter: /^undici\// }, (args) => ({ path: require.resolve(args.path) }));
  },
};

// The CLI. tsc's entry is its input and the bundle its output, at the same path: a second run
// without tsc would bundle the bundle: it leaves the bundle as it is (tsc writes every file at each
// run, so a bundle still in place was made from tsc's latest output).
const CLI = 'dist/bin/bulkpipe.js';
const BANNER = "// The bulkpipe CLI, bundled by scripts/bundle.mjs from tsc's output (source maps: bin/ and the modules it imports).";
if (readFileSync(CLI, 'utf8').includes(BANNER)) console.warn(`${CLI} is the bundle already: left as it is (run tsc -p tsconfig.build.json to bundle it again)`);
else await bundleCli();

async function bundleCli() {
  rmSync('dist/bin/chunks', { recursive: true, force: true });
  await build({
    ...COMMON,
    entryPoints: [CLI],
    outdir: 'dist/bin',
    allowOverwrite: true,
    plugins: [undiciPool],
    // undici's files are CommonJS: in an ES module, their `require` of Node's modules needs a `require` in scope.
    banner: { js: `${BANNER}\nimport { createRequire as __bulkpipeCreateRequire } from 'node:module';\nconst require = __bulkpipeCreateRequire(import.meta.url);` },
  });
  // tsc's per-file copies of bin/ are in the bundle now: they would only ship unused.
  for (const file of readdirSync('dist/bin')) if (!['bulkpipe.js', 'bulkpipe.js.map', 'chunks'].includes(file)) rmSync(`dist/bin/${file}`);
}
