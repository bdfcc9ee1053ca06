/** A session id of a `bulkpipe server` child for the CLI's --access-token (SOAP login; sessions are kept in the org's file, so they outlive a restart). */
import type { OrgProcess } from '../../bin/org-process.js';
import type { BulkClient } from '../../lib/http/client.js';

export async function sessionOf(org: OrgProcess): Promise<string> {
  const res = await fetch(`${org.loginUrl}/services/Soap/u/62.0`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml', soapaction: '""' },
    body: `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>${org.username}</username><password>${org.password}</password></login></se:Body></se:Envelope>`,
  });
  const id = /<sessionId>([^<]+)</.exec(await res.text())?.[1];
  if (!id) throw new Error('no session');
  return id;
}

/** Pre-cut v1 batches uploaded into one job, `uploads` at a time (the org's own rate: as fast as it takes them). */
export async function uploadBatches(client: BulkClient, jobId: string, bodies: readonly Buffer[], uploads = 4): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: uploads }, async () => {
      for (let b = next++; b < bodies.length; b = next++) await client.addBatch(jobId, bodies[b] as Buffer);
    }),
  );
}
