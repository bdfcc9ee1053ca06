/**
 * An ETL job composed from bulkpipe's stages by hand, with a Transform of its own in the middle:
 * records come from code (an async generator standing for a database cursor), are cleaned by the
 * user's stage, batched, uploaded, polled, joined with their results, and each failure is routed by
 * code while the success and error files are written. Type-checked by `npm test` and run there
 * against the local org (test/examples/etl.test.ts). Run it alone against a fresh local org:
 *   node --import tsx examples/etl.ts
 * It imports `bulkpipe` as your code would: the package ships this folder (package.json `files`),
 * where the name resolves to the build; in the repository, tsconfig.json's `paths` map it to the
 * sources, for tsc and tsx alike.
 *
 * Who owns what: the LoadSpool holds the batches on disk from the chunker until the joiner has
 * written their rows (the joiner releases each one); the code that makes the spool disposes of it
 * at the end, whatever happened, as here in `finally`. The client is the caller's to close.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BatchChunker, BulkClient, BulkSubmitter, LoadSpool, OutcomeSink, RecordReader, ResultJoiner, SegmentRows, StatusPoller, type InputRecord, type JoinedRow } from 'bulkpipe';

/** The user's stage: InputRecord -> InputRecord. Trims names, and rejects a record without one (it still reaches the error file). */
class CleanContacts extends Transform {
  constructor() {
    super({ objectMode: true });
  }

  override _transform(record: InputRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    const name = record.fields.LastName?.trim();
    if (record.error !== undefined || name) return callback(null, name ? { ...record, fields: { ...record.fields, LastName: name } } : record);
    callback(null, { ...record, error: 'MISSING_NAME:a contact needs a LastName:LastName --' } satisfies InputRecord);
  }
}

export interface EtlResult {
  readonly succeeded: number;
  readonly failed: number;
  /** The failures, routed by code (here: kept; a real job might queue them for review). */
  readonly failures: readonly JoinedRow[];
  readonly jobId: string | undefined;
}

/** Loads the contacts `source` yields into Contact, writing the outputs to `outDir`. */
export async function runEtl(client: BulkClient, source: AsyncIterable<object>, outDir: string): Promise<EtlResult> {
  const spool = new LoadSpool();
  const submitter = new BulkSubmitter({ client, job: { object: 'Contact', operation: 'insert', contentType: 'CSV' }, concurrency: 2 });
  const poller = new StatusPoller({ client, minIntervalMs: 20 });
  const sink = new OutcomeSink({ successPath: `${outDir}/contacts.success.csv`, errorPath: `${outDir}/contacts.errors.csv` });
  const failures: JoinedRow[] = [];
  // Typed events: `batch` is a SubmittedBatch here.
  submitter.on('batchSubmitted', (batch) => console.error(`uploaded batch ${batch.batchId}: ${batch.records} records`));
  try {
    await pipeline(
      Readable.from(source),
      // With the describe, a Date for a date field (Birthdate) is sent as its day.
      new RecordReader({ source: 'contacts', describe: () => client.describe('Contact') }),
      new CleanContacts(),
      new BatchChunker({ contentType: 'CSV', spool, maxRecords: 500 }),
      submitter,
      poller,
      new ResultJoiner({ client, spool }),
      new SegmentRows((rows) => {
        for (const row of rows) if (!row.success) failures.push(row);
      }),
      sink,
    );
  } finally {
    await spool.dispose();
  }
  return { succeeded: sink.succeeded, failed: sink.failed, failures, jobId: submitter.job?.id };
}

/** Stands for a database cursor: rows as the source system has them. */
export async function* contactsFromSource(count: number): AsyncGenerator<object> {
  for (let i = 0; i < count; i++) {
    yield { LastName: i % 250 === 0 ? '   ' : `  Contact ${i} `, Email: `c${i}@example.com`, Birthdate: new Date(Date.UTC(1980, 0, 1 + (i % 365))) };
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startServer } = await import('bulkpipe/server');
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const org = await startServer();
  const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password });
  try {
    const out = await mkdtemp(join(tmpdir(), 'bulkpipe-etl-'));
    const result = await runEtl(client, contactsFromSource(2000), out);
    console.log(`job ${result.jobId}: ${result.succeeded} succeeded, ${result.failed} failed (first: ${result.failures[0]?.error ?? 'none'}); files in ${out}`);
  } finally {
    await client.close();
    await org.close();
  }
}
