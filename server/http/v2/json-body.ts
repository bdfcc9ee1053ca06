/**
 * The JSON body of a Bulk API 2.0 request (ingest and query create, PATCH), read up to a limit, and
 * the type checks of its properties with the errors Salesforce words (spec §3.2: `API_ERROR`, recorded).
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../api-error.js';
import { readRequestBody } from '../request-body.js';
import { V2Failure } from './v2-failure.js';

/** An ingest create or a PATCH is a few properties; a query create adds one SOQL statement (at most 100,000 characters). */
const MAX_JSON_BYTES = 64 * 1024;
export const MAX_QUERY_JSON_BYTES = 1024 * 1024;

export interface JsonBody {
  readonly text: string;
  readonly value: Record<string, unknown>;
}

export async function readJsonBody(req: IncomingMessage, maxBytes = MAX_JSON_BYTES): Promise<JsonBody> {
  let body: Buffer;
  try {
    body = await readRequestBody(req, maxBytes, () => new ApiError(400, 'JSON_PARSER_ERROR', `The request body exceeds ${maxBytes} bytes`));
  } catch (err) {
    if (err instanceof ApiError) throw new V2Failure(err.status, err.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'JSON_PARSER_ERROR', err.message);
    throw err;
  }
  return parseJsonObject(body.toString('utf8'));
}

/** Parses a JSON object; anything else is JSON_PARSER_ERROR (the REST framework's code [unconfirmed for Bulk 2.0], spec §5.2). */
export function parseJsonObject(text: string): JsonBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new V2Failure(400, 'JSON_PARSER_ERROR', `Unable to parse the JSON request body: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw typeMismatch(text, undefined);
  return { text, value: value as Record<string, unknown> };
}

/**
 * A property as a string (undefined when absent or null). Another type is refused as recorded:
 * `Value does not match expected type at [line:1, column:22]` (simple-salesforce PR #722). The
 * position is where the property's value starts in the text: a guess at what Jackson reports.
 */
export function stringProperty(body: JsonBody, name: string): string | undefined {
  const value = body.value[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw typeMismatch(body.text, name);
  return value;
}

function typeMismatch(text: string, name: string | undefined): V2Failure {
  const found = name === undefined ? null : new RegExp(`"${name}"\\s*:\\s*`).exec(text);
  const at = found ? found.index + found[0].length : 0;
  const before = text.slice(0, Math.min(at, text.length));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return new V2Failure(400, 'API_ERROR', `Value does not match expected type at [line:${line}, column:${column}]`);
}
