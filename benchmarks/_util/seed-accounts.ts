/**
 * Accounts for the query benchmarks to read: `total` of them loaded through v1 CSV batches of 10,000
 * straight through the client (the load pipeline has benchmarks of its own), waited for, and checked.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type OrgProcess, startOrgProcess } from '../../bin/org-process.js';
import { BulkClient } from '../../lib/http/client.js';
import { fmt } from './run.js';

export async function seedAccounts(client: BulkClient, total: number): Promise<void> {
  const job = await client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
  for (let b = 0; b * 10_000 < total; b++) {
    let body = 'Name,AccountNumber,Site,Phone,BillingCity,NumberOfEmployees\n';
    for (let i = b * 10_000; i < Math.min(total, (b + 1) * 10_000); i++) body += `Account ${i},AN-${i},Site ${i % 97},555-${i % 10_000},City ${i % 313},${i % 5000}\n`;
    await client.addBatch(job.id, body);
  }
  await client.closeJob(job.id);
  for (;;) {
    const info = await client.getJob(job.id);
    if (info.numberBatchesCompleted + info.numberBatchesFailed === info.numberBatchesTotal) {
      if (info.numberRecordsProcessed !== total || info.numberRecordsFailed !== 0) throw new Error(`seeding ${total} Accounts: ${JSON.stringify(info)}`);
      return;
    }
    await sleep(500);
  }
}

/** The CLI's flags that log in to an org process. */
export const loginArgs = (o: OrgProcess): string[] => ['--login-url', o.loginUrl, '--username', o.username, '--password', o.password];

/** The org file `db` with `total` Accounts seeded (its own org process, logged in, seeded and stopped); the time it took on stderr. */
export async function seedOrgFile(db: string, total: number): Promise<void> {
  const started = performance.now();
  const org = await startOrgProcess(db, 0, 'ignore');
  const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, apiVersion: '47.0' });
  try {
    await seedAccounts(client, total);
  } finally {
    await client.close();
    await org.stop();
  }
  console.error(`seeded ${fmt(total)} rows in ${fmt((performance.now() - started) / 1000, 1)} s`);
}
