/**
 * Every command example of the README (its sh blocks) and of each command's --help runs as written
 * against the local org (issue 16), from a folder holding the files they name: a `bulkpipe` on the
 * PATH that runs the build, the example files, and job and batch ids put in for `750...`/`751...`.
 * A load may end with failed records (exit 3); `load --resume` with nothing to resume says so.
 * `bulkpipe server` examples run until they print their listening line, then stop on SIGTERM.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CLI, runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The example lines: README sh blocks and --help Examples sections, comments cut, `npx` dropped, each once. */
async function examples(): Promise<string[]> {
  const lines: string[] = [];
  // The open fence's language ('' for a bare fence), undefined outside one: a fence closes the one
  // before it whatever its language, so prose after a ts block is never taken for commands.
  let fence: string | undefined;
  for (const line of (await readFile(join(ROOT, 'README.md'), 'utf8')).split('\n')) {
    const mark = /^```(\w*)\s*$/.exec(line);
    if (mark) fence = fence === undefined ? (mark[1] as string) : undefined;
    else if ((fence === 'sh' || fence === 'bash') && /^(npx )?bulkpipe |\| bulkpipe /.test(line)) lines.push(line);
  }
  for (const command of ['', 'load', 'query', 'job', 'server', 'bench']) {
    const help = (await runCli(command ? [command, '--help'] : ['--help'])).stdout;
    const section = help.split('\nExamples:\n')[1]?.split('\n\n')[0] ?? '';
    lines.push(
      ...section
        .split('\n')
        .filter((l) => l.includes('bulkpipe '))
        .map((l) => l.trim()),
    );
  }
  const cleaned = lines.map((l) =>
    l
      .replace(/\s+#\s.*$/, '')
      .replace(/^npx /, '')
      .trim(),
  );
  return [...new Set(cleaned)];
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

describe('examples: every README and --help command example runs as written against the local org', function () {
  this.timeout(600_000);
  const tmp = { path: '' };
  const dir = useTempDir('bulkpipe-examples-');

  /** Runs one line in a shell, in the examples folder, with the bulkpipe on the PATH. */
  function sh(line: string, until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      // Its own process group: a server example is stopped with all its processes (sh, the shim, node).
      const child = spawn('sh', ['-c', line], {
        cwd: tmp.path,
        detached: true,
        env: { PATH: `${join(tmp.path, '.bin')}:${process.env.PATH ?? ''}`, BULKPIPE_HOME: join(tmp.path, 'home') },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (until?.test(stdout) && child.pid) process.kill(-child.pid, 'SIGTERM');
      });
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject).on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('runs each of them', async () => {
    tmp.path = dir.path;
    await mkdir(join(tmp.path, '.bin'));
    await writeFile(join(tmp.path, '.bin', 'bulkpipe'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    await chmod(join(tmp.path, '.bin', 'bulkpipe'), 0o755);
    // Each example starts from the example files (one writes accounts.csv, another contacts.ndjson).
    const inputs = async () => {
      await copyFile(join(ROOT, 'examples', 'accounts.csv'), join(tmp.path, 'accounts.csv'));
      await copyFile(join(ROOT, 'examples', 'contacts.ndjson'), join(tmp.path, 'contacts.ndjson'));
      await writeFile(join(tmp.path, 'big.csv.gz'), gzipSync(await readFile(join(ROOT, 'examples', 'accounts.csv'))));
    };
    await writeFile(
      join(tmp.path, 'my-objects.json'),
      JSON.stringify({ objects: [{ name: 'Invoice__c', fields: [{ name: 'Number__c', type: 'string', length: 10, externalId: true, unique: true }] }] }),
    );
    const list = await examples();
    expect(list.length).to.be.above(15);
    const ran: string[] = [];
    for (const example of list) {
      await inputs();
      const uses = (name: string) => example.includes(name);
      // Files that need the org's data are made just before the example that reads them.
      if (uses('ids.csv') || uses('attachments.csv') || /\b75[01](\.\.\.|\w{15})/.test(example)) {
        const seeded = await sh(`bulkpipe query "SELECT Id FROM Account LIMIT 20" -q`);
        const ids = seeded.stdout
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.replaceAll('"', ''));
        await writeFile(join(tmp.path, 'ids.csv'), `Id\n${ids.slice(10, 20).join('\n')}\n`);
        await mkdir(join(tmp.path, 'files'), { recursive: true });
        await writeFile(join(tmp.path, 'files', 'contract.txt'), 'The contract.\n');
        await writeFile(join(tmp.path, 'attachments.csv'), `Name,ParentId,Body\ncontract.txt,${ids[0]},contract.txt\n`);
      }
      let line = example;
      if (/\b75[01](\.\.\.|\w{15})/.test(line)) {
        const [job] = JSON.parse((await sh('bulkpipe job list --json --limit 20')).stdout).filter((j: { operation: string }) => j.operation === 'insert') as Array<{ id: string }>;
        const batches = JSON.parse((await sh(`bulkpipe job batches ${job?.id} -q`)).stdout) as Array<{ id: string }>;
        line = line.replace(/\b750(\.\.\.|\w{15})/g, job?.id as string).replace(/\b751(\.\.\.|\w{15})/g, batches[0]?.id as string);
      }
      const server = /^bulkpipe server\b/.test(line);
      if (server && !line.includes('--port') && !(await portFree(8780))) line = `${line} --port 0`; // 8780 taken on this machine
      const result = await sh(line, server ? /"loginUrl"/ : undefined);
      const what = `${example}\n${result.stderr.slice(-800)}`;
      if (server) expect(result.stdout, what).to.match(/"loginUrl"/);
      else if (/^bulkpipe load --resume$/.test(line))
        expect([result.code, result.stderr], what).to.satisfy(([code, err]: [number, string]) => code === 2 && err.includes('no unfinished load'));
      else expect([0, 3], what).to.include(result.code);
      ran.push(example);
    }
    expect(ran).to.deep.equal(list);
  });
});
