/**
 * The records of a spooled XML or JSON batch payload, read back incrementally for the join, as
 * field -> value maps in the local org's reading (parents as `Relationship.Field`, nil as null).
 * Memory: the reader's chunk and one record.
 */
import { createReadStream } from 'node:fs';
import type { InputValue } from '../load-types.js';
import { jsonPayloadRecord, xmlPayloadRecord } from '../wire/batch-payload.js';
import { readJsonArray } from '../wire/json-reader.js';
import { readXmlElements } from '../wire/xml-reader.js';

export type PayloadRecord = Record<string, InputValue>;

const BLOCK = 512;

/** Yields the records in blocks of up to 512. */
export async function* readPayloadRecords(path: string, format: 'xml' | 'json'): AsyncGenerator<PayloadRecord[]> {
  const source = `spooled batch ${path}`;
  const chunks = createReadStream(path, { highWaterMark: 256 * 1024 });
  let block: PayloadRecord[] = [];
  let index = 0;
  const items =
    format === 'json'
      ? (async function* () {
          for await (const value of readJsonArray(chunks, { source })) yield jsonPayloadRecord(value, index++);
        })()
      : (async function* () {
          for await (const element of readXmlElements(chunks, { source, rootNames: ['sObjects'], depth: 2 })) if (element.name === 'sObject') yield xmlPayloadRecord(element);
        })();
  try {
    for await (const fields of items) {
      block.push(Object.fromEntries(fields));
      if (block.length === BLOCK) {
        yield block;
        block = [];
      }
    }
    if (block.length > 0) yield block;
  } finally {
    chunks.destroy();
  }
}
