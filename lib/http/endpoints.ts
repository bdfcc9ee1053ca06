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
export const describePath = (v: string, object: string) => `${sobjectsPath(v)}/${seg(object)}/describe`;
export const jobListPath = (v: string) => `${restBase(v)}/jobs/ingest?jobType=Classic`;
/** The SOAP partner login endpoint (wire §1.1). */
export const soapLoginPath = (v: string) => `/services/Soap/u/${v}`;
