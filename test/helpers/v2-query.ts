/** Bulk API 2.0 query jobs through the wire, for the tests of server/http/v2/query-*.ts. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestOrg } from './local-org.js';
import { raw, type RawResponse } from './raw-http.js';
import { waitFor } from './wait-for.js';

const dir = fileURLToPath(new URL('../fixtures/wire-v2/', import.meta.url));

/** A Bulk API 2.0 fixture without its first line (which names its source). */
export function v2Fixture(name: string): string {
  return readFileSync(`${dir}${name}`, 'utf8').replace(/^[^\n]*\n/, '');
}

/** The keys of a JSON object in their written order (a JSON text, or util.inspect's `key: value` lines). */
export function keysOf(text: string): string[] {
  return [...text.matchAll(/^\s*"?([A-Za-z]\w*)"?\s*:/gm)].map((m) => m[1] as string);
}

export interface V2Api {
  /** A request under `/services/data/v<version>/jobs/query`; the body is sent as JSON unless a string. */
  call(method: string, tail: string, options?: { body?: unknown; version?: string; headers?: Record<string, string>; session?: string }): Promise<RawResponse>;
  /** Creates a job: its create answer. */
  create(body: Record<string, unknown>, version?: string): Promise<Record<string, unknown>>;
  info(id: string, version?: string): Promise<Record<string, unknown>>;
  /** Polls the job info until the job is JobComplete, Failed or Aborted (bounded by waitFor). */
  settled(id: string, version?: string): Promise<Record<string, unknown>>;
}

export function v2Api(t: () => TestOrg, defaultVersion = '62.0'): V2Api {
  const call: V2Api['call'] = (method, tail, options = {}) => {
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    return raw(`${t().org.instanceUrl}/services/data/v${options.version ?? defaultVersion}/jobs/query${tail}`, {
      method,
      headers: { authorization: `Bearer ${options.session ?? t().session}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(body === undefined ? {} : { body }),
    });
  };
  const json = async (res: RawResponse, what: string) => {
    if (res.status !== 200) throw new Error(`${what}: ${res.status} ${res.text}`);
    return JSON.parse(res.text) as Record<string, unknown>;
  };
  const info = async (id: string, version?: string) => json(await call('GET', `/${id}`, version ? { version } : {}), `GET ${id}`);
  return {
    call,
    create: async (body, version) => json(await call('POST', '', { body, ...(version ? { version } : {}) }), 'create'),
    info,
    settled: (id, version) =>
      waitFor(`query job ${id} to end`, async () => {
        const job = await info(id, version);
        return ['JobComplete', 'Failed', 'Aborted'].includes(job.state as string) ? job : undefined;
      }),
  };
}

/** A results page's rows (without its header line), split on the line ending. */
export function pageLines(res: RawResponse, eol = '\n'): { header: string; rows: string[] } {
  const lines = res.text.split(eol);
  if (lines.at(-1) === '') lines.pop();
  return { header: lines[0] as string, rows: lines.slice(1) };
}
