/** A Classic (v1) insert job's stored row, for tests that write to a JobsStore directly. */
import type { IdGenerator } from '../../server/org/id-generator.js';
import type { JobRow } from '../../server/store/jobs-store.js';

export function classicJobRow(ids: IdGenerator, userId: string, now: number, apiVersion = '47.0'): JobRow {
  return {
    id: ids.next('750'),
    user_id: userId,
    operation: 'insert',
    object: 'Account',
    external_id_field: null,
    concurrency_mode: 'Parallel',
    content_type: 'CSV',
    state: 'Open',
    api_version: apiVersion,
    assignment_rule_id: null,
    pk_chunking: null,
    created_date: now,
    modstamp: now,
    schema_id: null,
    job_type: 'Classic',
    line_ending: null,
    column_delimiter: null,
    error_message: null,
  };
}
