/**
 * What a load spent of the org's daily limits, counted from its own work rather than from `/limits`
 * before and after (other users and integrations share the org's counters): the requests its client
 * sent, and the Bulk API batches it made. v1: each batch created. 2.0: each job's internal batches of
 * 10,000 records, from the records each job took (lib/load/budget-estimate.ts). Record retries'
 * batches (v1) and retry jobs (2.0) are counted by the retrier, alike. A few counters and one number
 * per open 2.0 job.
 */
import type { BulkClient } from '../lib/http/client.js';
import { V2_RECORDS_PER_BATCH } from '../lib/load/budget-estimate.js';
import { IngestJobPoller } from '../transforms/ingest-job-poller.js';
import { limitOf } from './daily-budget.js';
import type { LoadStages } from './load-stages.js';
import type { LoadBudget } from './load-options.js';

export class SpentBudget {
  readonly #client: BulkClient;
  readonly #startRequests: number;
  /** 2.0: records per job, until the job has ended. */
  readonly #jobRecords = new Map<string, number>();
  #v2Batches = 0;
  readonly #v2: boolean;
  readonly #retrier: LoadStages['retrier'];

  constructor(client: BulkClient, stages: LoadStages) {
    this.#client = client;
    this.#startRequests = client.requestsSent;
    const { poller } = stages;
    this.#retrier = stages.retrier;
    this.#v2 = poller instanceof IngestJobPoller;
    if (poller instanceof IngestJobPoller) {
      poller.on('batchFinished', (batch, info) => this.#jobRecords.set(info.jobId, (this.#jobRecords.get(info.jobId) ?? 0) + batch.processed));
      poller.on('jobEnded', (jobId) => {
        this.#v2Batches += Math.ceil((this.#jobRecords.get(jobId) ?? 0) / V2_RECORDS_PER_BATCH);
        this.#jobRecords.delete(jobId);
      });
    }
  }

  /** Requests sent since the run began (the client's: a client shared with another run counts its requests too). */
  get requests(): number {
    return this.#client.requestsSent - this.#startRequests;
  }

  /**
   * The budget spent, with what the org has left: `/limits` read once more when the pre-flight
   * could read it (`readAfter`); a failed read leaves `remaining` undefined.
   */
  async summary(v1Batches: number, readAfter: boolean, signal: AbortSignal | undefined): Promise<LoadBudget> {
    let remaining: LoadBudget['remaining'];
    // Counted after the closing /limits read: that request is the run's too.
    let requests = this.requests;
    if (readAfter) {
      const limits = await this.#client.limits(signal ? { signal } : {}).catch(() => undefined);
      requests = this.requests;
      const batches = limits && limitOf(limits, 'DailyBulkApiBatches');
      const api = limits?.DailyApiRequests;
      if (batches && api) remaining = { DailyApiRequests: api.Remaining, DailyBulkApiBatches: batches.Remaining };
    }
    const retries = this.#retrier?.batchesSpent ?? 0;
    return { requests, batches: (this.#v2 ? this.#v2Batches : v1Batches) + retries, remaining };
  }
}
