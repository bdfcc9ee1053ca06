/** Paths of the Bulk API v1 endpoints (wire §2) and of the REST resources the client reads, relative to the instance URL. */

const seg = encodeURIComponent;

const asyncBase = (apiVersion: string) => `/services/async/${apiVersion}`;
export const jobsPath = (v: string) => `${asyncBase(v)}/job`;
export const jobPath = (v: string, jobId: string) => `${jobsPath(v)}/${seg(jobId)}`;
export const batchesPath = (v: string, jobId: string) => `${jobPath(v, jobId)}/batch`;
export const batchPath = (v: string, jobId: string, batchId: string) => `${batchesPath(v, jobId)}/${seg(batchId)}`;
export const batchRequestPath = (v: string, jobId: string, batchId: string) => `${batchPath(v, jobId, batchId)}/request`;
export const batchResultPath = (v: string, jobId: string, batchId: string) => `${batchPath(v, jobId, batchId)}/result`;
export const queryResultPath = (v: string, jobId: string, batchId: string, resultId: string) => `${batchResultPath(v, jobId, batchId)}/${seg(resultId)}`;
const restBase = (v: string) => `/services/data/v${v}`;
/** REST describeGlobal, an object's describe, and the org's v1 (Classic) job list. */
export const sobjectsPath = (v: string) => `${restBase(v)}/sobjects`;
export const limitsPath = (v: string) => `${restBase(v)}/limits`;
export const describePath = (v: string, object: string) => `${sobjectsPath(v)}/${seg(object)}/describe`;
export const jobListPath = (v: string) => `${restBase(v)}/jobs/ingest?jobType=Classic`;
/** The SOAP partner login endpoint (wire §1.1). */
export const soapLoginPath = (v: string) => `/services/Soap/u/${v}`;
/** Bulk API 2.0 (its reference §1.2): ingest jobs, a job's one upload and its three result files; query jobs and their results. */
export const ingestJobsPath = (v: string) => `${restBase(v)}/jobs/ingest`;
/** The 2.0 ingest jobs of the org's job list (which lists v1 jobs too). */
export const ingestJobListPath = (v: string) => `${ingestJobsPath(v)}?jobType=V2Ingest`;
export const ingestJobPath = (v: string, jobId: string) => `${ingestJobsPath(v)}/${seg(jobId)}`;
export const ingestUploadPath = (v: string, jobId: string) => `${ingestJobPath(v, jobId)}/batches`;
export const ingestResultPath = (v: string, jobId: string, file: 'successfulResults' | 'failedResults' | 'unprocessedrecords') => `${ingestJobPath(v, jobId)}/${file}`;
export const queryJobsPath = (v: string) => `${restBase(v)}/jobs/query`;
export const queryJobPath = (v: string, jobId: string) => `${queryJobsPath(v)}/${seg(jobId)}`;
export const queryResultsPath = (v: string, jobId: string) => `${queryJobPath(v, jobId)}/results`;
export const queryResultPagesPath = (v: string, jobId: string) => `${queryJobPath(v, jobId)}/resultPages`;
