/**
 * The local org as `bulkpipe server` runs it (startServer's defaults, a WAL file), in a process of
 * its own, that also notes when each batch ran and each request was answered (performance clock,
 * epoch ms): benchmarks/org-idle.bench.ts reads where the org waited. Prints the login on stdout
 * as `bulkpipe server` does; on SIGTERM writes the trace (JSON) to its second argument and exits.
 * Usage: node traced-org.js DB TRACE.json
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type BatchRun, startServer } from '../../server/index.js';

/** One request: when it came (its end less its duration, to the ms) and when it was answered. */
interface TracedRequest {
  readonly line: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface OrgTrace {
  readonly batches: readonly BatchRun[];
  readonly requests: readonly TracedRequest[];
}

const [db, tracePath] = process.argv.slice(2);
if (!db || !tracePath) throw new Error('usage: traced-org.js DB TRACE.json');
const batches: BatchRun[] = [];
const requests: TracedRequest[] = [];
const now = () => performance.timeOrigin + performance.now();
const org = await startServer({
  port: 0,
  db,
  onBatchRun: (run) => batches.push(run),
  log: (line) => {
    const took = /^\S+ \S+ \d{3} (\d+)ms$/.exec(line);
    if (!took) return;
    const endMs = now();
    requests.push({ line, startMs: endMs - Number(took[1]), endMs });
  },
});
process.stdout.write(`${JSON.stringify({ loginUrl: org.loginUrl, instanceUrl: org.instanceUrl, username: org.username, password: org.password })}\n`);
process.once('SIGTERM', () => {
  void org.close().then(() => {
    writeFileSync(tracePath, JSON.stringify({ batches, requests } satisfies OrgTrace));
    process.exit(0);
  });
});
