/**
 * What the CLI and the package load (issue 16): `--version` and `--help` load no client, a load
 * with real credentials never loads the local org (SQLite, its SOQL parser), and `import 'bulkpipe'`
 * loads neither better-sqlite3 nor a SOQL parser. Each run logs every module it loads through a
 * module hook (test/helpers/module-log). The start-up times are measured in benchmarks/startup.bench.ts.
 * The CLI is a bundle (scripts/bundle.mjs: dist/bin/bulkpipe.js and its chunks in dist/bin/chunks/,
 * issue 28): the sources a run loaded are those its files' source maps name (`sourcesOf`).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { useTestOrg } from '../helpers/local-org.js';
import { useTempDir } from '../helpers/temp-dir.js';

const REGISTER = pathToFileURL(fileURLToPath(new URL('../helpers/module-log/register.mjs', import.meta.url))).href;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The published entries (package.json's exports: the bundle of scripts/bundle.mjs), imported by name from the package's own folder.
const LOCAL_ORG = /better-sqlite3|soql-parser-js|\/dist\/server\/|\/dist\/bundle\/server\.js/;
/** The same for the CLI's sources (paths in the repository, from the bundle's source maps): the local org's, and the packages. */
const LOCAL_ORG_SOURCE = /better-sqlite3|soql-parser-js|^server\//;

/**
 * The sources behind the modules a run loaded: for each file of ours, the sources its source map
 * names, as paths in the repository (`bin/query-command.ts`); any other module (a package, `node:`) as logged.
 */
async function sourcesOf(modules: readonly string[]): Promise<string[]> {
  const sources = new Set<string>();
  for (const url of modules) {
    const file = url.startsWith('file:') ? fileURLToPath(url) : undefined;
    if (file === undefined || !file.startsWith(join(ROOT, 'dist/')) || !existsSync(`${file}.map`)) {
      sources.add(url);
      continue;
    }
    const map = JSON.parse(await readFile(`${file}.map`, 'utf8')) as { sources: string[] };
    for (const source of map.sources) sources.add(relative(ROOT, resolve(dirname(file), source)));
  }
  return [...sources];
}

/** Node's CommonJS cache in a child, as JSON: the packages required at their first use (lib/packages.ts) show there, not in the module hook. */
const REQUIRED = `console.log(JSON.stringify(Object.keys((await import('node:module')).createRequire(process.cwd() + '/').cache)));`;

describe('bin: what start-up loads', function () {
  this.timeout(60_000);
  const t = useTestOrg();
  const tmp = useTempDir('bulkpipe-startup-');
  const logEnv = () => ({ NODE_OPTIONS: `--import=${REGISTER}`, BULKPIPE_MODULE_LOG: join(tmp.path, 'modules.log'), BULKPIPE_HOME: join(tmp.path, 'home') });
  const loaded = async () => (await readFile(join(tmp.path, 'modules.log'), 'utf8')).split('\n').filter(Boolean);

  it('--version and --help load neither the client nor the local org', async () => {
    for (const flag of ['--version', '--help']) {
      const result = await runCli([flag], { env: logEnv() });
      expect(result.code, result.stderr).to.equal(0);
      const modules = await loaded();
      expect(
        modules.some((m) => m.endsWith('/dist/bin/bulkpipe.js')),
        'the log works',
      ).to.equal(true);
      const sources = await sourcesOf(modules);
      expect(sources, 'the source maps name the sources').to.include('bin/bulkpipe.ts');
      expect(
        sources.filter((m) => /undici|^lib\/http\/|^pipelines\/|^bin\/(load|query|job|server|bench|limits)-command\.ts$/.test(m) || LOCAL_ORG_SOURCE.test(m)),
        flag,
      ).to.deep.equal([]);
      await writeFile(join(tmp.path, 'modules.log'), '');
    }
  });

  it('load --help and query --help load no pipeline, no stage and no client (issue 28)', async () => {
    for (const command of ['load', 'query']) {
      const result = await runCli([command, '--help'], { env: logEnv() });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain(`bulkpipe ${command}`);
      const sources = await sourcesOf(await loaded());
      expect(sources, 'the log works').to.include(`bin/${command}-command.ts`);
      expect(
        sources.filter((m) => /^(pipelines|transforms|sinks|lib\/http)\/|\/node_modules\/|^bin\/(job|server|bench|limits)-command\.ts$/.test(m) || LOCAL_ORG_SOURCE.test(m)),
        command,
      ).to.deep.equal([]);
      expect(sources, `${command} loads no other command`).not.to.include(`bin/${command === 'load' ? 'query' : 'load'}-command.ts`);
      await writeFile(join(tmp.path, 'modules.log'), '');
    }
  });

  it('a load and a query with real credentials never load the local org', async () => {
    await writeFile(join(tmp.path, 'in.csv'), 'Name\nStartup\n');
    const connection = ['--instance-url', t.org.org.instanceUrl, '--access-token', t.org.session, '--quiet'];
    const load = await runCli(['load', 'Account', 'in.csv', ...connection], { cwd: tmp.path, env: logEnv() });
    expect(load.code, load.stderr).to.equal(0);
    const loadModules = await loaded();
    await writeFile(join(tmp.path, 'modules.log'), '');
    const query = await runCli(['query', "SELECT Name FROM Account WHERE Name = 'Startup'", ...connection], { cwd: tmp.path, env: logEnv() });
    expect(query.code, query.stderr).to.equal(0);
    expect(query.stdout).to.contain('Startup');
    const queryModules = await loaded();
    // Every module of ours comes from the CLI's bundle (dist/bin/bulkpipe.js, dist/bin/chunks/), none from tsc's per-file output.
    expect([...loadModules, ...queryModules].filter((m) => m.includes('/dist/') && !/\/dist\/bin\/(bulkpipe\.js|chunks\/[\w-]+\.js)$/.test(m))).to.deep.equal([]);
    const [loadSources, querySources] = [await sourcesOf(loadModules), await sourcesOf(queryModules)];
    expect(loadSources).to.include.members(['bin/load-command.ts', 'pipelines/bulk-load.ts']);
    expect(querySources).to.include.members(['bin/query-command.ts', 'pipelines/bulk-query.ts']);
    // A load pays for no query, a query for no load.
    expect(loadSources.filter((m) => /^bin\/query-command\.ts$|^pipelines\/bulk-query\.ts$/.test(m))).to.deep.equal([]);
    expect(querySources.filter((m) => /^bin\/load-command\.ts$|^pipelines\/bulk-load\.ts$/.test(m))).to.deep.equal([]);
    expect([...loadSources, ...querySources].filter((m) => LOCAL_ORG_SOURCE.test(m))).to.deep.equal([]);
  });

  it("a query's undici is the CLI bundle's Pool alone, never the package's index (issue 28, scripts/cli-undici.cjs)", async () => {
    // The CommonJS cache at exit (a preload): a package required from node_modules shows there, not in the module hook's log.
    const required = join(tmp.path, 'required.json');
    const preload = join(tmp.path, 'required.cjs');
    await writeFile(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(required)}, JSON.stringify(Object.keys(require.cache))));`);
    const env = { ...logEnv(), NODE_OPTIONS: `--import=${REGISTER} --require=${preload}` };
    const connection = ['--instance-url', t.org.org.instanceUrl, '--access-token', t.org.session, '--quiet'];
    const query = await runCli(['query', 'SELECT Name FROM Account LIMIT 1', ...connection], { cwd: tmp.path, env });
    expect(query.code, query.stderr).to.equal(0);
    const sources = await sourcesOf(await loaded());
    // Bundled (the chunk's source map names undici's files): its Pool and request API, none of its index's other exports.
    expect(sources).to.include.members(['scripts/cli-undici.cjs', 'node_modules/undici/lib/dispatcher/pool.js', 'node_modules/undici/lib/api/api-request.js']);
    expect(sources.filter((m) => /node_modules\/undici\/(index\.js|lib\/(mock|cache|interceptor|web\/(websocket|cookies|cache|eventsource))\/)/.test(m))).to.deep.equal([]);
    const cache = JSON.parse(await readFile(required, 'utf8')) as string[];
    expect(cache, 'the log works').to.include(preload);
    expect(
      cache.filter((m) => /[\\/]node_modules[\\/]undici[\\/]/.test(m)),
      'undici required from node_modules',
    ).to.deep.equal([]);
  });

  it("import 'bulkpipe' loads neither better-sqlite3 nor a SOQL parser nor the local org", async () => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('bulkpipe');"], {
      cwd: ROOT,
      env: { ...process.env, ...logEnv() },
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).to.equal(0);
    const modules = await loaded();
    expect(modules.some((m) => m.endsWith('/dist/bundle/index.js'))).to.equal(true);
    expect(modules.filter((m) => LOCAL_ORG.test(m))).to.deep.equal([]);
  });

  it("import 'bulkpipe' loads none of the client's packages, a client does: each is required at its first use (issue 28)", () => {
    // They are CommonJS, required through lib/packages.ts: the CommonJS cache shows them, the hook does not.
    const required = (then: string) => {
      const script = `const bulkpipe = await import('bulkpipe');
        ${then}
        ${REQUIRED}`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
      expect(child.status, child.stderr).to.equal(0);
      return (JSON.parse(child.stdout) as string[]).flatMap((m) => /[\\/]node_modules[\\/](undici|sax|stream-json|yazl)[\\/]/.exec(m)?.[1] ?? []);
    };
    expect(required('')).to.deep.equal([]);
    // A client opens its HTTP pool at once: undici is required then.
    expect(required("new bulkpipe.BulkClient({ instanceUrl: 'http://127.0.0.1:9', accessToken: 'x' });")).to.include('undici');
  });

  it("import 'bulkpipe/server' loads no SOQL parser: the org's first query does, and the published entries load and query together (issue 28)", async () => {
    await writeFile(join(tmp.path, 'in.csv'), 'Name\nBundled One\nBundled Two\n');
    const soql = "SELECT Name FROM Account WHERE Name LIKE 'Bundled%' ORDER BY Name";
    const script = `const { createRequire } = await import('node:module');
      const { startServer } = await import('bulkpipe/server');
      const bulkpipe = await import('bulkpipe');
      const cached = () => Object.keys(createRequire(process.cwd() + '/').cache);
      const before = cached();
      const org = await startServer({ port: 0 });
      const client = await bulkpipe.BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password });
      try {
        const summary = await bulkpipe.bulkLoad({ client, object: 'Account', operation: 'insert', input: ${JSON.stringify(join(tmp.path, 'in.csv'))}, format: 'csv', successPath: ${JSON.stringify(join(tmp.path, 'ok.csv'))}, errorPath: ${JSON.stringify(join(tmp.path, 'failed.csv'))} });
        let csv = '';
        for await (const chunk of bulkpipe.bulkQuery({ client, soql: ${JSON.stringify(soql)} })) csv += chunk;
        // The root's load functions import their pipeline at their first call (index.ts): a generator's return and an early break pass through.
        const rows = bulkpipe.loadRows({ client, object: 'Account', operation: 'insert', records: [{ Name: 'Row One' }, { Name: 'Row Two' }], minPollIntervalMs: 20 });
        const seen = [];
        let step;
        while (!(step = await rows.next()).done) seen.push(step.value.success ? step.value.fields.Name : step.value.error);
        let left = 0;
        for await (const row of bulkpipe.loadRows({ client, object: 'Account', operation: 'insert', records: [{ Name: 'Row Three' }, { Name: 'Row Four' }], minPollIntervalMs: 20 })) if (row) { left++; break; }
        const dry = await bulkpipe.dryRunLoad({ client, object: 'Account', operation: 'insert', input: ${JSON.stringify(join(tmp.path, 'in.csv'))}, format: 'csv' });
        console.log(JSON.stringify({ before, succeeded: summary.recordsSucceeded, csv, rows: seen, returned: step.value.recordsSucceeded, left, dry: dry.recordsValid, after: cached() }));
      } finally {
        await client.close();
        await org.close();
      }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, ...logEnv() }, encoding: 'utf8' });
    expect(child.status, child.stderr).to.equal(0);
    const ran = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as {
      before: string[];
      succeeded: number;
      csv: string;
      rows: string[];
      returned: number;
      left: number;
      dry: number;
      after: string[];
    };
    const soqlParser = (cache: readonly string[]) => cache.filter((m) => m.includes('soql-parser-js'));
    // Imported (the module hook's log: an ESM import at the package's load, as before issue 28) at no point, and not required by the import.
    expect(soqlParser(await loaded()), 'imported').to.deep.equal([]);
    expect(soqlParser(ran.before), 'required at import').to.deep.equal([]);
    expect(ran.succeeded).to.equal(2);
    expect(ran.csv.replace(/\r/g, '')).to.equal('"Name"\n"Bundled One"\n"Bundled Two"\n');
    expect(soqlParser(ran.after), 'after a query').to.have.length.above(0);
    expect([ran.rows, ran.returned, ran.left, ran.dry]).to.deep.equal([['Row One', 'Row Two'], 2, 1, 2]);
  });
});
