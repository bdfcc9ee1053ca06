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
 * Usage, after `tsc -p tsconfig.build.json` (each run needs tsc's dist/bin/bulkpipe.js, which it
 * replaces): node scripts/bundle.mjs
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry a hash of their content: without this, every rebuild would leave the old set beside the new.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: {
    index: 'dist/index.js',
    wire: 'dist/lib/wire/index.js',
    bench: 'dist/bench/index.js',
    server: 'dist/server/index.js',
  },
  outdir: 'dist/bundle',
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
});

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
    entryPoints: [CLI],
    outdir: 'dist/bin',
    allowOverwrite: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: BANNER },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    keepNames: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  // tsc's per-file copies of bin/ are in the bundle now: they would only ship unused.
  for (const file of readdirSync('dist/bin')) if (!['bulkpipe.js', 'bulkpipe.js.map', 'chunks'].includes(file)) rmSync(`dist/bin/${file}`);
}
