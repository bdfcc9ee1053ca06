/**
 * The org's job list (REST: `GET /services/data/vXX.X/jobs/ingest`), which lists Bulk API v1 jobs
 * as `jobType: "Classic"` although the v1 API itself cannot list jobs. bulkpipe reads it for one
 * thing: to find the job that a create-job POST made when its answer was lost, so that no Open job
 * is left behind unknown.
 */
import { JobUnknownError, ParseError } from '../errors.js';
import type { JobRequest } from '../types.js';
import { jobListPath } from './endpoints.js';

/** One job of the list, the fields bulkpipe reads. */
export interface ListedJob {
  readonly id: string;
  readonly object: string;
  readonly operation: string;
  readonly state: string;
  readonly contentType: string | undefined;
  readonly jobType: string | undefined;
  readonly createdById: string | undefined;
  /** Epoch ms. */
  readonly createdDate: number;
}

export interface JobListPage {
  readonly jobs: readonly ListedJob[];
  /** The path of the next page, when there is one. */
  readonly next: string | undefined;
}

/** Most pages read in one search (a page holds up to 1,000 jobs on Salesforce). */
const MAX_PAGES = 50;
/** How far before the create request a job's createdDate may lie: the org's clock and ours differ, and it keeps whole seconds. */
const CLOCK_SKEW_MS = 120_000;

export function parseJobListPage(body: Buffer): JobListPage {
  const { records, next } = parseJobListDocument(body, (r) => ({
    id: String(r.id ?? ''),
    object: String(r.object ?? ''),
    operation: String(r.operation ?? ''),
    state: String(r.state ?? ''),
    contentType: typeof r.contentType === 'string' ? r.contentType : undefined,
    jobType: typeof r.jobType === 'string' ? r.jobType : undefined,
    createdById: typeof r.createdById === 'string' ? r.createdById : undefined,
    createdDate: Date.parse(String(r.createdDate ?? '')),
  }));
  return { jobs: records, next };
}

/** One page of a job list (`{records, nextRecordsUrl}`), each record read by `record`. */
export function parseJobListDocument<T>(body: Buffer, record: (r: Record<string, unknown>) => T): { readonly records: T[]; readonly next: string | undefined } {
  let doc: { records?: unknown; nextRecordsUrl?: unknown };
  try {
    doc = JSON.parse(body.toString('utf8')) as typeof doc;
  } catch (err) {
    throw new ParseError(`the job list is not JSON: ${(err as Error).message}`, { source: 'job list' });
  }
  if (!Array.isArray(doc.records)) throw new ParseError('the job list has no records array', { source: 'job list', field: 'records' });
  const records = (doc.records as Array<Record<string, unknown>>).map(record);
  return { records, next: typeof doc.nextRecordsUrl === 'string' && doc.nextRecordsUrl ? doc.nextRecordsUrl : undefined };
}

export interface CreatedJobSearch {
  readonly request: Pick<JobRequest, 'object' | 'operation' | 'contentType'>;
  /** When the create request was first sent (epoch ms, our clock). */
  readonly since: number;
  /** Jobs this client knows already: never the lost one. */
  readonly known: (jobId: string) => boolean;
  /** This client's user, when known: another user's job is never the lost one. */
  readonly userId?: string | undefined;
  readonly apiVersion: string;
  readonly signal?: AbortSignal | undefined;
  /** Jobs in any state, not only Open ones (`likeJobs`). */
  readonly anyState?: boolean | undefined;
  /** How far before `since` a job's createdDate may lie; default two minutes. */
  readonly skewMs?: number | undefined;
}

/**
 * The id of the Open job the lost create request made: the one Classic job of the same object,
 * operation and content type, created since the request (give or take the clock skew), that this
 * client does not know. None: undefined (the job was not made; create it again). More than one
 * (another client made a like job at the same time): an error naming them, since adopting the
 * wrong one would put our batches in somebody else's job.
 */
export async function findCreatedJob(readPage: ReadJobListPage, search: CreatedJobSearch): Promise<string | undefined> {
  const { request } = search;
  const matches = await likeJobs(readPage, { ...search, anyState: false });
  if (matches.length > 1) {
    throw new JobUnknownError(
      `the answer to the create-job request was lost, and ${matches.length} Open ${request.operation} jobs on ${request.object} were created since: ${matches.join(', ')}; one of them may be this run's (close the ones no one uses)`,
      { object: request.object, operation: request.operation, jobIds: matches },
    );
  }
  return matches[0];
}

type ReadJobListPage = (path: string, signal: AbortSignal | undefined) => Promise<JobListPage>;

/** The Classic jobs like `request` (object, operation, content type, user) created since `since`, that this client does not know. */
export async function likeJobs(readPage: ReadJobListPage, search: CreatedJobSearch): Promise<string[]> {
  const { request } = search;
  const contentType = request.contentType ?? 'XML';
  const skew = search.skewMs ?? CLOCK_SKEW_MS;
  const matches: string[] = [];
  let path: string | undefined = jobListPath(search.apiVersion);
  for (let page = 0; path !== undefined && page < MAX_PAGES; page++) {
    const { jobs, next }: JobListPage = await readPage(path, search.signal);
    for (const job of jobs) {
      if ((job.jobType ?? 'Classic') !== 'Classic' || (job.state !== 'Open' && !search.anyState) || search.known(job.id)) continue;
      if (job.object.toLowerCase() !== request.object.toLowerCase() || job.operation !== request.operation) continue;
      if (search.userId && job.createdById && job.createdById.slice(0, 15) !== search.userId.slice(0, 15)) continue;
      if ((job.contentType ?? contentType) !== contentType || !(job.createdDate >= search.since - skew)) continue;
      matches.push(job.id);
    }
    path = next;
  }
  return matches;
}
