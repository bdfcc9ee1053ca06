/**
 * jobInfo documents: the create request, the close/abort request and the server's JobInfo, in XML
 * (element order of wire §3.1, which WSC reads sequentially) and JSON (keys in alphabetical order,
 * wire §3.4). Parsing accepts any order and prefix, and JSON `concurrencyMode` as 0/1.
 */
import { ParseError } from '../errors.js';
import { CONCURRENCY_MODES, CONTENT_TYPES, JOB_STATES, OPERATIONS, type ConcurrencyMode, type JobInfo, type JobRequest, type JobStateRequest, type WireFormat } from '../types.js';
import { formatJsonDate } from './dates.js';
import { alphabetical, jsonCompact, jsonPretty, type JsonEntry } from './json-writer.js';
import { FieldReader, jsonLookup, jsonObject, jsonScalar, parseJsonDocument, xmlLookup } from './values.js';
import { parseXmlDocument } from './xml-reader.js';
import { DATALOAD_NS, XML_DECLARATION, xmlDocument, xmlFieldLines, type XmlField } from './xml-writer.js';

const JOB_INFO = 'jobInfo';

function jobInfoFields(job: JobInfo): XmlField[] {
  return [
    ['id', job.id],
    ['operation', job.operation],
    ['object', job.object],
    ['createdById', job.createdById],
    ['createdDate', job.createdDate],
    ['systemModstamp', job.systemModstamp],
    ['state', job.state],
    ['externalIdFieldName', job.externalIdFieldName],
    ['concurrencyMode', job.concurrencyMode],
    ['contentType', job.contentType],
    ['numberBatchesQueued', job.numberBatchesQueued],
    ['numberBatchesInProgress', job.numberBatchesInProgress],
    ['numberBatchesCompleted', job.numberBatchesCompleted],
    ['numberBatchesFailed', job.numberBatchesFailed],
    ['numberBatchesTotal', job.numberBatchesTotal],
    ['numberRecordsProcessed', job.numberRecordsProcessed],
    ['numberRetries', job.numberRetries],
    ['apiVersion', job.apiVersion],
    ['assignmentRuleId', job.assignmentRuleId],
    ['numberRecordsFailed', job.numberRecordsFailed],
    ['totalProcessingTime', job.totalProcessingTime],
    ['apiActiveProcessingTime', job.apiActiveProcessingTime],
    ['apexProcessingTime', job.apexProcessingTime],
  ];
}

export function serializeJobInfo(job: JobInfo, format: WireFormat): string {
  if (format === 'xml') return xmlDocument(JOB_INFO, xmlFieldLines(jobInfoFields(job), 1));
  const entries: JsonEntry[] = jobInfoFields(job).map(([key, value]) => {
    if (value === undefined) return [key, undefined];
    if (value instanceof Date) return [key, JSON.stringify(formatJsonDate(value))];
    if (key === 'apiVersion') return [key, Number(value).toFixed(1)];
    return [key, jsonScalar(value)];
  });
  return jsonPretty(alphabetical(entries));
}

function readJobInfo(fields: FieldReader): JobInfo {
  const externalIdFieldName = fields.optional('externalIdFieldName');
  const assignmentRuleId = fields.optional('assignmentRuleId');
  return {
    id: fields.required('id'),
    operation: fields.oneOf('operation', OPERATIONS),
    object: fields.required('object'),
    createdById: fields.required('createdById'),
    createdDate: fields.date('createdDate'),
    systemModstamp: fields.date('systemModstamp'),
    state: fields.oneOf('state', JOB_STATES),
    ...(externalIdFieldName !== undefined ? { externalIdFieldName } : {}),
    concurrencyMode: fields.oneOf('concurrencyMode', CONCURRENCY_MODES, 'Parallel'),
    contentType: fields.oneOf('contentType', CONTENT_TYPES, 'XML'),
    numberBatchesQueued: fields.count('numberBatchesQueued'),
    numberBatchesInProgress: fields.count('numberBatchesInProgress'),
    numberBatchesCompleted: fields.count('numberBatchesCompleted'),
    numberBatchesFailed: fields.count('numberBatchesFailed'),
    numberBatchesTotal: fields.count('numberBatchesTotal'),
    numberRecordsProcessed: fields.count('numberRecordsProcessed'),
    numberRetries: fields.count('numberRetries'),
    apiVersion: fields.required('apiVersion'),
    ...(assignmentRuleId !== undefined ? { assignmentRuleId } : {}),
    numberRecordsFailed: fields.count('numberRecordsFailed'),
    totalProcessingTime: fields.count('totalProcessingTime'),
    apiActiveProcessingTime: fields.count('apiActiveProcessingTime'),
    apexProcessingTime: fields.count('apexProcessingTime'),
  };
}

/** Field lookup over a jobInfo document in either format. */
function jobFields(body: string | Uint8Array, format: WireFormat, source: string): FieldReader {
  if (format === 'xml') return new FieldReader(xmlLookup(parseXmlDocument(body, { source, rootNames: [JOB_INFO] })), source);
  const object = jsonObject(parseJsonDocument(body, source), source);
  return new FieldReader(jsonLookup(object, ['apiVersion']), source);
}

export function parseJobInfo(body: string | Uint8Array, format: WireFormat): JobInfo {
  return readJobInfo(jobFields(body, format, 'jobInfo'));
}

/** The create-job request body, in the element order WSC writes (wire §3.1, 3.3). */
export function serializeJobRequest(request: JobRequest, format: WireFormat): string {
  const fields: XmlField[] = [
    ['operation', request.operation],
    ['object', request.object],
    ['externalIdFieldName', request.externalIdFieldName],
    ['concurrencyMode', request.concurrencyMode],
    ['contentType', request.contentType],
    ['assignmentRuleId', request.assignmentRuleId],
  ];
  if (format === 'json') return jsonCompact(fields.map(([k, v]) => [k, v === undefined ? undefined : jsonScalar(String(v))]));
  return `${XML_DECLARATION}\n<jobInfo xmlns="${DATALOAD_NS}">\n${xmlFieldLines(fields, 1)}</jobInfo>`;
}

/** JSON clients (simple-salesforce) send the enum ordinal: 0 Parallel, 1 Serial (wire §3.4). */
function concurrencyModeOf(fields: FieldReader): ConcurrencyMode | undefined {
  const text = fields.optional('concurrencyMode');
  if (text === '0') return 'Parallel';
  if (text === '1') return 'Serial';
  return text === undefined ? undefined : fields.oneOf('concurrencyMode', CONCURRENCY_MODES);
}

/** Reads a create-job request; `operation` and `object` are required, unknown elements ignored. */
export function parseJobRequest(body: string | Uint8Array, format: WireFormat): JobRequest {
  const fields = jobFields(body, format, 'jobInfo request');
  const externalIdFieldName = fields.optional('externalIdFieldName');
  const concurrencyMode = concurrencyModeOf(fields);
  const contentType = fields.optional('contentType');
  const assignmentRuleId = fields.optional('assignmentRuleId');
  return {
    operation: fields.oneOf('operation', OPERATIONS),
    object: fields.required('object'),
    ...(externalIdFieldName !== undefined ? { externalIdFieldName } : {}),
    ...(concurrencyMode !== undefined ? { concurrencyMode } : {}),
    ...(contentType !== undefined ? { contentType: fields.oneOf('contentType', CONTENT_TYPES) } : {}),
    ...(assignmentRuleId !== undefined ? { assignmentRuleId } : {}),
  };
}

export function serializeJobStateRequest(request: JobStateRequest, format: WireFormat): string {
  if (format === 'json') return jsonCompact([['state', JSON.stringify(request.state)]]);
  return `${XML_DECLARATION}\n<jobInfo xmlns="${DATALOAD_NS}">\n <state>${request.state}</state>\n</jobInfo>`;
}

/** Reads a close/abort body; an `id` element (sent by WSC) is ignored. */
export function parseJobStateRequest(body: string | Uint8Array, format: WireFormat): JobStateRequest {
  const fields = jobFields(body, format, 'jobInfo state request');
  const state = fields.optional('state');
  if (state !== 'Closed' && state !== 'Aborted') {
    throw new ParseError(`state must be Closed or Aborted, got ${JSON.stringify(state ?? null)}`, {
      source: 'jobInfo state request',
      field: 'state',
    });
  }
  return { state };
}
