/**
 * The published entries as one bundle (issue 28): `import 'bulkpipe'` compiled 200 modules of tsc's
 * output, and Node's ESM loader costs about a millisecond of CPU for each (resolution, reading,
 * compiling): most of the import's cost. esbuild links tsc's JavaScript (not the TypeScript: one
 * compiler's output, the same as the CLI runs) into dist/bundle/: an entry file for each sub-path of
 * package.json's `exports` and shared chunks, so that each class exists once for all the entries
 * (`instanceof` holds across `bulkpipe`, `bulkpipe/wire`, `bulkpipe/bench` and `bulkpipe/server`),
 * and a dynamic import (the load pipelines, the CLI's commands) stays a chunk of its own, loaded at
 * its first call. Packages stay outside (`require`d or imported from node_modules, as before).
 * The types are tsc's declarations beside its per-file output, which the CLI (bin/) keeps running.
 * Usage, after `tsc -p tsconfig.build.json`: node scripts/bundle.mjs
 */
import { rmSync } from 'node:fs';
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
