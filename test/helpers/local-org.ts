/** Starts the embedded org on 127.0.0.1:0 with a logged-in BulkClient, for end-to-end tests. */
import { BulkClient } from '../../lib/http/client.js';
import type { BatchInfo, JobInfo, JobRequest } from '../../lib/types.js';
import { startServer, type LocalOrg, type ServerOptions } from '../../server/index.js';
import { raw } from './raw-http.js';

export interface TestOrg {
  readonly org: LocalOrg;
  readonly client: BulkClient;
  readonly session: string;
  close(): Promise<void>;
}

export async function startTestOrg(options: ServerOptions = {}): Promise<TestOrg> {
  const org = await startServer(options);
  const client = await BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password: org.password, apiVersion: '47.0', retry: { minDelayMs: 5, maxDelayMs: 50 } });
  const session = await login(org);
  return {
    org,
    client,
    session,
    close: async () => {
      await client.close();
      await org.close();
    },
  };
}

/** A test org for a whole describe block: started in before(), closed in after(). */
export function useTestOrg(options: ServerOptions = {}): { readonly org: TestOrg } {
  const state = {} as { org: TestOrg };
  before(async () => {
    state.org = await startTestOrg(options);
  });
  after(async () => {
    await state.org?.close();
  });
  return state;
}

/** A session id through a raw SOAP login. */
export async function login(org: Pick<LocalOrg, 'loginUrl' | 'username' | 'password'>, username = org.username, password = org.password): Promise<string> {
  const res = await raw(`${org.loginUrl}/services/Soap/u/35.0`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', soapaction: '""' },
    body: `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>${username}</username><password>${password}</password></login></se:Body></se:Envelope>`,
  });
  const match = /<sessionId>([^<]+)<\/sessionId>/.exec(res.text);
  if (!match?.[1]) throw new Error(`login failed: ${res.status} ${res.text.slice(0, 200)}`);
  return match[1];
}

/** Creates a job, uploads the batches, closes it, waits for the org to finish; returns the final infos. */
export async function runJob(t: TestOrg, request: JobRequest, bodies: readonly string[]): Promise<{ job: JobInfo; batches: BatchInfo[] }> {
  const job = await t.client.createJob(request);
  for (const body of bodies) await t.client.addBatch(job.id, body);
  await t.client.closeJob(job.id);
  await t.org.whenIdle();
  const batches = await t.client.listBatches(job.id);
  return { job: await t.client.getJob(job.id), batches };
}

/** Inserts one Account and returns its id: the parent of attachments. */
export async function insertAccount(t: TestOrg, name = 'Parent'): Promise<string> {
  const { job, batches } = await runJob(t, { object: 'Account', operation: 'insert', contentType: 'CSV' }, [`Name\n${name}\n`]);
  for await (const r of t.client.batchResults(job.id, batches[0]?.id as string)) if (r.success) return r.id as string;
  throw new Error(`the Account ${name} was not inserted`);
}
