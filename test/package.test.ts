/**
 * The published package (issue 16): what `npm pack` ships (the build, the examples (issue 27), a LICENSE, source maps that
 * carry their sources, nothing of the tests), its entries (issue 23: the root, `bulkpipe/wire`,
 * `bulkpipe/bench`), and the client without better-sqlite3, an optional
 * peer dependency: it loads and connects to an org; the local org says which package it needs.
 * A missing package is simulated with a module hook (test/helpers/module-log).
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from './helpers/cli.js';
import { useTestOrg } from './helpers/local-org.js';
import { useTempDir } from './helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGISTER = pathToFileURL(join(ROOT, 'test/helpers/module-log/register.mjs')).href;
const MISSING = 'bulkpipe: the local org needs the package better-sqlite3, which is not installed: npm install better-sqlite3';

describe('the package', function () {
  this.timeout(60_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-package-');

  it('npm pack ships the build, the examples, README, LICENSE and package.json only, with source maps that carry their sources', async () => {
    // --ignore-scripts: the files of the build the tests run on (prepack would build it again).
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    ) as Array<{ files: Array<{ path: string }> }>;
    const files = (pack?.files ?? []).map((f) => f.path);
    // The examples ship whole (issue 27: the README links examples/etl.ts), as the repository has them.
    const examples = execFileSync('git', ['ls-files', 'examples'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    expect(examples).to.include.members(['examples/etl.ts', 'examples/accounts.csv', 'examples/contacts.ndjson', 'examples/demo.sh']);
    expect(files.filter((f) => !f.startsWith('dist/')).sort()).to.deep.equal(['LICENSE', 'README.md', ...examples, 'package.json'].sort());
    for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/bin/bulkpipe.js', 'dist/server/index.js', 'dist/lib/wire/index.js', 'dist/bench/index.js']) {
      expect(files).to.include(needed);
    }
    // Every file an `exports` entry names ships, its types too.
    const { exports } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
    for (const target of Object.values(exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))) expect(files, target).to.include(target.replace(/^\.\//, ''));
    expect(files.filter((f) => /^dist\/(test|benchmarks)\/|\.tsbuildinfo$|\.ts$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('examples/'))).to.deep.equal([]);
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).to.be.above(50);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(await readFile(join(ROOT, map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      expect(sourcesContent?.filter((c) => typeof c === 'string').length, map).to.equal(sources.length);
    }
    expect(await readFile(join(ROOT, 'LICENSE'), 'utf8')).to.match(/^MIT License/);
  });

  it('the shipped examples import bulkpipe by its name, as user code does (no path into the sources, which do not ship)', async () => {
    const imports = [...(await readFile(join(ROOT, 'examples/etl.ts'), 'utf8')).matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'([^']+)'/g)].map((m) => m[1] as string);
    expect(imports).to.include('bulkpipe');
    expect(imports.filter((s) => !/^(node:|bulkpipe(\/server)?$)/.test(s))).to.deep.equal([]);
  });

  it("package.json names the repository, where the README's links to files that do not ship (ARCHITECTURE.md, benchmarks/) resolve", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { repository?: { type?: string; url?: string } };
    expect(pkg.repository?.type).to.equal('git');
    expect(pkg.repository?.url).to.match(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    const links = [...(await readFile(join(ROOT, 'README.md'), 'utf8')).matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((m) => m[1] as string);
    expect(links).to.include('examples/etl.ts');
    const tracked = new Set(execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n'));
    expect(links.filter((l) => !tracked.has(l) && ![...tracked].some((f) => f.startsWith(`${l.replace(/\/$/, '')}/`)))).to.deep.equal([]);
  });

  it('the root entry holds what users compose; bulkpipe/wire the codec and bulkpipe/bench the bench, each on its own', () => {
    const script = `
      const root = await import('bulkpipe');
      const wire = await import('bulkpipe/wire');
      const bench = await import('bulkpipe/bench');
      console.log(JSON.stringify({ root: Object.keys(root), wire: Object.keys(wire), bench: Object.keys(bench) }));`;
    // Run from the package's own folder, where 'bulkpipe' resolves to itself (its exports map).
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(child.status, child.stderr).to.equal(0);
    const { root, wire, bench } = JSON.parse(child.stdout) as Record<'root' | 'wire' | 'bench', string[]>;
    for (const name of [
      'bulkLoad',
      'loadRows',
      'dryRunLoad',
      'bulkQuery',
      'BulkClient',
      'BulkError',
      'RunLockedError',
      'RecordParser',
      'BatchChunker',
      'CsvBatchSplitter',
      'LoadSpool',
      'BulkSubmitter',
      'StatusPoller',
      'ResultJoiner',
      'OutcomeSink',
      'SegmentRows',
      'readLedger',
      'parseColumnMap',
    ]) {
      expect(root, name).to.include(name);
    }
    for (const name of [
      'parseJobInfo',
      'serializeJobInfo',
      'parseBatchInfo',
      'readBatchInfoList',
      'readDmlResults',
      'serializeDmlResults',
      'readResultList',
      'parseApiError',
      'parseLoginResponse',
      'toId18',
      'isValidId',
    ]) {
      expect(wire, name).to.include(name);
    }
    for (const name of ['benchLoad', 'sweepSettings', 'benchTable', 'renderBenchReport', 'writeSyntheticCsv']) expect(bench, name).to.include(name);
    expect(root.filter((name) => wire.includes(name) || bench.includes(name))).to.deep.equal([]);
    expect(root.filter((name) => ['barChart', 'lineChart', 'startServer'].includes(name))).to.deep.equal([]);
  });

  it('better-sqlite3 is an optional peer dependency, not a dependency', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(pkg.dependencies).not.to.have.property('better-sqlite3');
    expect(pkg.peerDependencies).to.have.property('better-sqlite3');
    expect(pkg.peerDependenciesMeta?.['better-sqlite3']).to.deep.equal({ optional: true });
  });

  it('every package the build imports is a dependency (or the optional peer), never a dev dependency', async () => {
    // An installed bulkpipe has no dev dependencies: a production import of one fails at load time
    // (issue 24: csv-parse, imported by server/v2, sat in devDependencies). The packages required at
    // their first use (lib/packages.ts, issue 28) count too. Not a method (`Buffer.from("--")`, in the
    // undici files the CLI bundles: scripts/cli-undici.cjs).
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...builtinModules]);
    const imported = new Map<string, string>();
    for (const file of await readdir(join(ROOT, 'dist'), { recursive: true })) {
      if (!file.endsWith('.js')) continue;
      for (const [, specifier] of (await readFile(join(ROOT, 'dist', file), 'utf8')).matchAll(
        /(?<!\.)(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"]((?:@[\w-][\w.-]*\/)?[\w-][\w.-]*(?:\/[\w./-]*)?)['"]/g,
      )) {
        if (specifier === undefined || specifier.startsWith('node:')) continue;
        const parts = specifier.split('/');
        imported.set(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string), file);
      }
    }
    expect(imported.size).to.be.above(3);
    expect([...imported].filter(([name]) => !allowed.has(name))).to.deep.equal([]);
  });

  it('npm test lints, checks the format and dead exports before the tests; ARCHITECTURE.md maps every folder', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.pretest).to.contain('npm run lint');
    expect(pkg.scripts.lint).to.equal('biome check . && knip');
    const lint = spawnSync('npm', ['run', 'lint', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).to.equal(0);
    const map = await readFile(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    for (const folder of ['lib', 'transforms', 'sinks', 'pipelines', 'bench', 'server', 'bin', 'test', 'benchmarks', 'examples'])
      expect(map, folder).to.contain(`| \`${folder}/\` |`);
  });

  describe('without better-sqlite3', () => {
    const env = () => ({ NODE_OPTIONS: `--import=${REGISTER}`, BULKPIPE_HIDE_PACKAGES: 'better-sqlite3', BULKPIPE_HOME: join(tmp.path, 'home') });

    it('the client loads into a real org; bulkpipe server and the default local org name the missing package', async () => {
      await writeFile(join(tmp.path, 'in.csv'), 'Name\nNo SQLite\n');
      const load = await runCli(['load', 'Account', 'in.csv', '--instance-url', t.org.org.instanceUrl, '--access-token', t.org.session, '--quiet'], { cwd: tmp.path, env: env() });
      expect(load.code, load.stderr).to.equal(0);
      const server = await runCli(['server', '--port', '0'], { cwd: tmp.path, env: env() });
      expect([server.code, server.stderr.trim().split('\n').at(-1)]).to.deep.equal([1, `${MISSING} (it compiles a native module where no prebuilt one fits)`]);
      const local = await runCli(['load', 'Account', 'in.csv', '--quiet'], { cwd: tmp.path, env: env() });
      expect(local.code).to.equal(1);
      expect(local.stderr).to.contain(MISSING);
      expect((await runCli(['server', '--help'], { env: env() })).code).to.equal(0);
    });

    it("import 'bulkpipe' works; import 'bulkpipe/server' fails with BULK_MISSING_PACKAGE", () => {
      const script = `
        const bulkpipe = await import('bulkpipe');
        if (typeof bulkpipe.bulkLoad !== 'function') throw new Error('no bulkLoad');
        try { await import('bulkpipe/server'); console.log('loaded'); } catch (err) { console.log(err.code, err.message); }`;
      // Run from the package's own folder, where 'bulkpipe' resolves to itself (its exports map).
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, ...env() }, encoding: 'utf8' });
      expect(child.status, child.stderr).to.equal(0);
      expect(child.stdout.trim()).to.match(/^BULK_MISSING_PACKAGE the local org needs the package better-sqlite3/);
    });
  });
});
