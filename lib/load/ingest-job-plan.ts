/**
 * How a Bulk API 2.0 load gathers its segments into jobs (pure: no IO), the one rule both the
 * submitter (transforms/ingest-job-submitter.ts, segment by segment) and the daily-budget estimate
 * (lib/load/budget-estimate.ts, for a whole input ahead) follow: a job holds at most `jobSize` bytes
 * (or one segment); with `grow` the first job is one segment and each later one is launched once it
 * holds 1/GROWTH of the bytes launched before it (issue 28); with the load's size known too
 * (`expectedBytes`, a CSV file's), also once it holds 1/GROWTH of the bytes that will be left after it,
 * so that the jobs shrink again towards the end (e.g. 7, 5, 3, 2, 1, 1, 1 segments): the org runs a
 * job's batches in turn with the other jobs', so the jobs that end in its last moments are the last
 * few batches' own, and the results still to fetch and join once it has nothing left to run are a
 * few segments' rather than a third of the load's (issue 28: 1.9-2.2 s of a 40 MB load's 15 s). Segments are cut at `batchSize` records or at the byte cap
 * (`segmentMaxBytes`), whichever comes first.
 */
import { DEFAULT_JOB_BYTES, MAX_BATCH_BYTES } from '../limits.js';

/** With growth: a job is launched once it holds 1/GROWTH of the bytes launched before it (the last job is at most a third of the load), or of those left after it (the tail). */
const GROWTH = 2;

/** How segments are gathered into jobs. */
export interface JobGathering {
  /** Most bytes of CSV in one job. */
  readonly jobSize: number;
  /** Grow the jobs: the first one segment, each later one half the bytes launched before it, at most `jobSize`. */
  readonly grow: boolean;
  /**
   * With `grow`: the load's bytes, when known ahead (a CSV file's size); the jobs then shrink again,
   * each launched once it holds half the bytes that will be left after it (see launchAfter).
   */
  readonly expectedBytes?: number;
}

/** Whether the job being gathered, of `openBytes` (0: none), is launched before a segment of `bytes` joins it: together they would pass `jobSize`. */
export function launchBefore(rule: JobGathering, openBytes: number, bytes: number): boolean {
  return openBytes > 0 && openBytes + bytes > rule.jobSize;
}

/**
 * Whether the job being gathered, of `openBytes` now that a segment joined it, is launched at once: it
 * holds 1/GROWTH of the `launchedBytes` before it, or (with `expectedBytes`) of the bytes left after
 * it: `leftAfter` when the gatherer knows where the input stands (the CSV fast path's offset after
 * the segment; exact, whatever each payload's own header line adds), else `expectedBytes` less the
 * bytes gathered, an estimate that is unknown once passed (the jobs then only grow).
 */
export function launchAfter(rule: JobGathering, openBytes: number, launchedBytes: number, leftAfter?: number): boolean {
  if (!rule.grow) return false;
  const left = rule.expectedBytes === undefined ? undefined : (leftAfter ?? estimatedLeft(rule.expectedBytes, openBytes, launchedBytes));
  return openBytes * GROWTH >= (left === undefined ? launchedBytes : Math.min(launchedBytes, left));
}

/** The bytes left after the open job, from the bytes gathered: undefined once they pass the estimate. */
function estimatedLeft(expectedBytes: number, openBytes: number, launchedBytes: number): number | undefined {
  const notLaunched = expectedBytes - launchedBytes; // the open job's among them
  return notLaunched > 0 ? Math.max(0, notLaunched - openBytes) : undefined;
}

/** Most payload bytes of a 2.0 segment: a job smaller than a batch has its segments cut no larger than the job. */
export function segmentMaxBytes(jobSize: number | undefined): number {
  return Math.min(jobSize ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
}

/** A job of the plan: its segments, records and bytes. */
export interface PlannedJob {
  readonly segments: number;
  readonly records: number;
  readonly bytes: number;
}

export interface JobPlanInput {
  readonly records: number;
  /** Bytes of payload, spread evenly over the records (a segment's rounded up). */
  readonly bytes: number;
  /** Records per segment, at most. */
  readonly batchSize: number;
  /** Most bytes of CSV in one job; default 100,000,000. */
  readonly jobSize: number | undefined;
  readonly grow: boolean;
  /** Whether the submitter knows the load's size ahead (`bytes`): its jobs shrink again towards the end. */
  readonly sizeKnown?: boolean;
  /** The header line's bytes (CSV), which every segment's payload starts with; default 0. */
  readonly headerBytes?: number;
}

/**
 * The jobs a load of `records` records in `bytes` bytes makes: segments of `batchSize` records (fewer
 * when their bytes would pass the cap; the last one what is left), gathered by launchBefore and
 * launchAfter. E.g. 20,000 records in segments of 1,000, growing: jobs of 1, 1, 1, 2, 3, 4, 6 and 2 segments.
 */
export function planJobs({ records, bytes, batchSize, jobSize, grow, sizeKnown, headerBytes = 0 }: JobPlanInput): PlannedJob[] {
  const rule: JobGathering = { jobSize: jobSize ?? DEFAULT_JOB_BYTES, grow, ...(sizeKnown ? { expectedBytes: bytes } : {}) };
  const jobs: PlannedJob[] = [];
  if (records <= 0) return jobs;
  // The header once in the input, and again at the head of every segment's payload.
  const perRecord = Math.max(bytes - headerBytes, 0) / records;
  const segmentRecords = Math.max(1, Math.min(batchSize, Math.floor(segmentMaxBytes(jobSize) / perRecord)));
  let open = { segments: 0, records: 0, bytes: 0 };
  let launched = 0;
  const launch = () => {
    jobs.push(open);
    launched += open.bytes;
    open = { segments: 0, records: 0, bytes: 0 };
  };
  for (let left = records; left > 0; ) {
    const segment = Math.min(segmentRecords, left);
    left -= segment;
    const segmentBytes = Math.ceil(segment * perRecord) + headerBytes; // whole bytes: equal segments compare equal
    if (launchBefore(rule, open.bytes, segmentBytes)) launch();
    open = { segments: open.segments + 1, records: open.records + segment, bytes: open.bytes + segmentBytes };
    // Where the input stands, as the fast path tells the submitter: the records after this segment's.
    if (launchAfter(rule, open.bytes, launched, Math.ceil(left * perRecord))) launch();
  }
  if (open.segments > 0) launch();
  return jobs;
}
