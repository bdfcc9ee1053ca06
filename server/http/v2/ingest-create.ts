/**
 * `POST /jobs/ingest` with a JSON body (spec §3.2): checks the request as Salesforce does, in its
 * words (recorded v47: INVALIDJOB "InvalidJob : ...", API_ERROR "Invalid value: ..."), and stores a
 * V2Ingest job, Open, under the org's own schema.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Operation } from '../../../lib/types.js';
import { identifiesRecord } from '../../org/schema.js';
import type { JobRow } from '../../store/jobs-store.js';
import { COLUMN_DELIMITERS, LINE_ENDINGS } from '../../v2/csv-format.js';
import type { RestContext } from '../rest-api.js';
import { restJson } from '../rest-reply.js';
import { V2Failure } from './v2-failure.js';
import { createShape } from './ingest-job-info.js';
import { type JsonBody, readJsonBody, stringProperty } from './json-body.js';
import type { V2Route } from './route.js';
import { newV2Job } from './v2-job.js';

const OPERATIONS: readonly string[] = ['insert', 'delete', 'hardDelete', 'update', 'upsert'];

export async function createIngestJob(req: IncomingMessage, res: ServerResponse, context: RestContext, route: V2Route): Promise<void> {
  const job = newIngestJob(await readJsonBody(req), context, route);
  context.jobs.createJob(job);
  // 200: the status is not recorded (spec §3.1); every client takes any 2xx.
  await restJson(req, res, createShape(job, 'Open'));
}

/** The job a create request describes (not yet stored), or the refusal Salesforce answers. */
export function newIngestJob(body: JsonBody, context: RestContext, route: V2Route): JobRow {
  const operation = stringProperty(body, 'operation') ?? '';
  if (!OPERATIONS.includes(operation)) throw invalidValue(operation, 'operation');
  const contentType = stringProperty(body, 'contentType') ?? 'CSV';
  if (contentType !== 'CSV') throw invalidValue(contentType, 'contentType');
  const columnDelimiter = stringProperty(body, 'columnDelimiter') ?? 'COMMA';
  if (!Object.hasOwn(COLUMN_DELIMITERS, columnDelimiter)) throw invalidValue(columnDelimiter, 'columnDelimiter');
  const lineEnding = stringProperty(body, 'lineEnding') ?? 'LF';
  if (!Object.hasOwn(LINE_ENDINGS, lineEnding)) throw invalidValue(lineEnding, 'lineEnding');
  const assignmentRuleId = stringProperty(body, 'assignmentRuleId');
  const name = stringProperty(body, 'object') ?? '';
  const object = context.schema.object(name);
  if (!object) throw invalidJob(`Unable to find object: ${name}`);
  let externalIdField: string | null = null;
  if (operation === 'upsert') {
    const wanted = stringProperty(body, 'externalIdFieldName');
    if (wanted === undefined) throw invalidJob(`External ID was blank for ${object.name}. An External ID must be specified for upsert.`);
    const field = context.schema.field(object, wanted);
    if (!field || !identifiesRecord(field)) throw invalidJob(`Field name provided, ${wanted} does not match an External ID for ${object.name}`);
    externalIdField = field.name;
  }
  return newV2Job(context, route, {
    job_type: 'V2Ingest',
    operation: operation as Operation,
    object: object.name,
    state: 'Open',
    external_id_field: externalIdField,
    assignment_rule_id: assignmentRuleId ?? null,
    line_ending: lineEnding,
    column_delimiter: columnDelimiter,
  });
}

const invalidValue = (value: string, property: string) => new V2Failure(400, 'API_ERROR', `Invalid value: '${value}' supplied for property: '${property}'`);
const invalidJob = (message: string) => new V2Failure(400, 'INVALIDJOB', `InvalidJob : ${message}`);
