/**
 * batchInfo and batchInfoList documents. XML in the element order of wire §4.1 (WSC reads it
 * sequentially; `stateMessage` only when set); JSON compact with alphabetical keys and
 * `"stateMessage":null` as recorded (wire §4.3). Lists are read incrementally.
 */
import { BATCH_STATES, type BatchInfo, type WireFormat } from '../types.js';
import { formatJsonDate } from './dates.js';
import { alphabetical, jsonCompact, type JsonEntry } from './json-writer.js';
import { readJsonArray } from './json-reader.js';
import { FieldReader, jsonLookup, jsonObject, jsonScalar, parseJsonDocument, xmlLookup } from './values.js';
import { parseXmlDocument, readXmlElements, type XmlElement } from './xml-reader.js';
import { xmlDocument, xmlFieldLines, type XmlField } from './xml-writer.js';

function batchInfoFields(batch: BatchInfo): XmlField[] {
  return [
    ['id', batch.id],
    ['jobId', batch.jobId],
    ['state', batch.state],
    ['stateMessage', batch.stateMessage],
    ['createdDate', batch.createdDate],
    ['systemModstamp', batch.systemModstamp],
    ['numberRecordsProcessed', batch.numberRecordsProcessed],
    ['numberRecordsFailed', batch.numberRecordsFailed],
    ['totalProcessingTime', batch.totalProcessingTime],
    ['apiActiveProcessingTime', batch.apiActiveProcessingTime],
    ['apexProcessingTime', batch.apexProcessingTime],
  ];
}

function batchInfoJson(batch: BatchInfo): string {
  const entries: JsonEntry[] = batchInfoFields(batch).map(([key, value]) => {
    if (value === undefined) return [key, 'null'];
    return [key, value instanceof Date ? JSON.stringify(formatJsonDate(value)) : jsonScalar(value)];
  });
  return jsonCompact(alphabetical(entries));
}

export function serializeBatchInfo(batch: BatchInfo, format: WireFormat): string {
  if (format === 'json') return batchInfoJson(batch);
  return xmlDocument('batchInfo', xmlFieldLines(batchInfoFields(batch), 1));
}

/** The list document; children of `batchInfoList` are indented one more space (wire §4.3). */
export function serializeBatchInfoList(batches: Iterable<BatchInfo>, format: WireFormat): string {
  if (format === 'json') return `{"batchInfo":[${Array.from(batches, batchInfoJson).join(',')}]}`;
  let body = '';
  for (const batch of batches) body += ` <batchInfo>\n${xmlFieldLines(batchInfoFields(batch), 2)} </batchInfo>\n`;
  return xmlDocument('batchInfoList', body);
}

function readBatchInfo(fields: FieldReader): BatchInfo {
  const stateMessage = fields.optional('stateMessage');
  // Older documentation spells the state "Not Processed"; the wire says NotProcessed.
  const state = fields.optional('state') === 'Not Processed' ? 'NotProcessed' : fields.oneOf('state', BATCH_STATES);
  return {
    id: fields.required('id'),
    jobId: fields.required('jobId'),
    state,
    ...(stateMessage !== undefined ? { stateMessage } : {}),
    createdDate: fields.date('createdDate'),
    systemModstamp: fields.date('systemModstamp'),
    numberRecordsProcessed: fields.count('numberRecordsProcessed'),
    numberRecordsFailed: fields.count('numberRecordsFailed'),
    totalProcessingTime: fields.count('totalProcessingTime'),
    apiActiveProcessingTime: fields.count('apiActiveProcessingTime'),
    apexProcessingTime: fields.count('apexProcessingTime'),
  };
}

const batchFromXml = (element: XmlElement, source: string) => readBatchInfo(new FieldReader(xmlLookup(element), source));
const batchFromJson = (value: unknown, source: string) => readBatchInfo(new FieldReader(jsonLookup(jsonObject(value, source)), source));

export function parseBatchInfo(body: string | Uint8Array, format: WireFormat): BatchInfo {
  const source = 'batchInfo';
  if (format === 'json') return batchFromJson(parseJsonDocument(body, source), source);
  return batchFromXml(parseXmlDocument(body, { source, rootNames: ['batchInfo'] }), source);
}

/** Yields each batchInfo of a list as it is read. */
export async function* readBatchInfoList(chunks: AsyncIterable<Uint8Array | string>, format: WireFormat): AsyncGenerator<BatchInfo> {
  const source = 'batchInfoList';
  if (format === 'json') {
    for await (const value of readJsonArray(chunks, { source, key: 'batchInfo' })) yield batchFromJson(value, source);
    return;
  }
  for await (const element of readXmlElements(chunks, { source, rootNames: ['batchInfoList'], depth: 2 })) {
    if (element.name === 'batchInfo') yield batchFromXml(element, source);
  }
}
