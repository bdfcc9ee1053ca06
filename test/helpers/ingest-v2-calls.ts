/** Raw Bulk API 2.0 ingest calls against the local org, for wire-level tests of server/http/v2. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { TestOrg } from './local-org.js';
import { raw, type RawResponse } from './raw-http.js';

export type Json = Record<string, unknown>;

interface CallOptions {
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly session?: string;
}

export interface IngestCalls {
  call(method: string, path?: string, options?: CallOptions): Promise<RawResponse>;
  /** Creates a job (JSON) and returns its create answer; fails the test on another status than 200. */
  create(request: Json): Promise<Json>;
  upload(id: string, csv: string | Buffer, headers?: Record<string, string>): Promise<RawResponse>;
  patch(id: string, state: string): Promise<RawResponse>;
  info(id: string): Promise<Json>;
  /** Closes the job, waits until the org is idle, and returns the job info. */
  closeAndWait(id: string): Promise<Json>;
  /** Create, upload, close, wait: the final info and the job id. */
  load(request: Json, csv: string | Buffer): Promise<Json>;
  results(id: string, kind: string): Promise<RawResponse>;
}

export function ingestCalls(t: () => TestOrg, version = '62.0'): IngestCalls {
  const base = () => `${t().org.instanceUrl}/services/data/v${version}/jobs/ingest`;
  const call: IngestCalls['call'] = (method, path = '', options = {}) =>
    raw(`${base()}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.session ?? t().session}`, ...(options.headers ?? {}) },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const calls: IngestCalls = {
    call,
    async create(request) {
      const res = await call('POST', '', { body: JSON.stringify(request), headers: json });
      expect(res.status, res.text).to.equal(200);
      return JSON.parse(res.text) as Json;
    },
    upload: (id, csv, headers = {}) => call('PUT', `/${id}/batches`, { body: csv, headers: { 'content-type': 'text/csv', ...headers } }),
    patch: (id, state) => call('PATCH', `/${id}`, { body: JSON.stringify({ state }), headers: json }),
    async info(id) {
      const res = await call('GET', `/${id}`);
      expect(res.status, res.text).to.equal(200);
      return JSON.parse(res.text) as Json;
    },
    async closeAndWait(id) {
      const closed = await calls.patch(id, 'UploadComplete');
      expect(closed.status, closed.text).to.equal(200);
      await t().org.whenIdle();
      return calls.info(id);
    },
    async load(request, csv) {
      const job = await calls.create(request);
      const put = await calls.upload(job.id as string, csv);
      expect(put.status, put.text).to.equal(201);
      return calls.closeAndWait(job.id as string);
    },
    results: (id, kind) => call('GET', `/${id}/${kind}`),
  };
  return calls;
}

const dir = fileURLToPath(new URL('../fixtures/wire-v2/', import.meta.url));

/** A Bulk API 2.0 fixture without its first line (the source note, not body). */
export function wireV2Fixture(name: string): string {
  const text = readFileSync(`${dir}${name}`, 'utf8');
  return text.slice(text.indexOf('\n') + 1);
}

/** The keys of a recorded JSON body in order (Jackson's layout, one object). */
export function recordedKeys(name: string): string[] {
  return Object.keys(JSON.parse(wireV2Fixture(name)) as Json);
}
