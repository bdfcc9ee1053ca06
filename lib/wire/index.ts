/**
 * `bulkpipe/wire`: the Bulk API v1 codec, for tools that speak the Bulk API themselves. JobInfo,
 * BatchInfo, results, result lists and error bodies in XML and JSON (results in CSV too), the SOAP
 * login documents, and record id checks. The documents' types (JobInfo, BatchInfo, DmlResult...)
 * come from the root entry.
 */
export { parseJobInfo, serializeJobInfo } from './job-info.js';
export { parseBatchInfo, readBatchInfoList } from './batch-info.js';
export { readDmlResults, serializeDmlResults } from './dml-results.js';
export { readResultList } from './result-list.js';
export { parseApiError } from './api-error.js';
export type { DataFormat } from './content-types.js';
export type { ApiErrorBody, WireFormat } from '../types.js';
export {
  serializeLoginRequest,
  parseLoginResponse,
  parseLoginFault,
  serializeLoginResponse,
  serializeLoginFault,
  type LoginGrant,
  type LoginResult,
  type LoginFault,
} from '../auth/soap-login.js';
export { isValidId, toId18 } from '../ids.js';
