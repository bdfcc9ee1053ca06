/** The local org on the wire: status codes, Content-Types, layouts, errors, sessions, gzip. */
import { expect } from 'chai';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseBatchInfo } from '../../lib/wire/batch-info.js';
import { parseJobInfo } from '../../lib/wire/job-info.js';
import { parseLoginFault, parseLoginResponse } from '../../lib/auth/soap-login.js';
import { wireFixture } from '../helpers/fixtures.js';
import { login, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait-for.js';

const XML_JOB = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload">${body}</jobInfo>`;

describe('server: the wire', () => {
  let t: TestOrg;
  let base: string;
  const headers = (extra: Record<string, string> = {}) => ({ 'x-sfdc-session': t.session, 'content-type': 'application/xml; charset=UTF-8', ...extra });
  const createJob = (body = '<operation>insert</operation><object>Account</object><contentType>CSV</contentType>', extra: Record<string, string> = {}) =>
    raw(`${base}/job`, { method: 'POST', headers: headers(extra), body: XML_JOB(body) });

  before(async () => {
    t = await startTestOrg();
    base = `${t.org.instanceUrl}/services/async/35.0`;
  });
  after(async () => {
    await t.close();
  });

  describe('SOAP login', () => {
    it('answers jsforce-style and WSC-style envelopes with a serverUrl that points back', async () => {
      const wsc = wireFixture('dataloader_soap_login_trace_partner_v8.txt').split('\n');
      const request = wsc
        .slice(wsc.indexOf('------------ Request start   ----------') + 1, wsc.indexOf('------------ Request end   ----------'))
        .join('\n')
        .replace('user@mycompany.com', t.org.username)
        .replace('password123', t.org.password);
      for (const path of ['/services/Soap/u/35.0', '/services/Soap/c/47.0']) {
        const res = await raw(`${t.org.loginUrl}${path}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=UTF-8', soapaction: 'login' }, body: request });
        expect(res.status).to.equal(200);
        expect(res.headers['content-type']).to.equal('text/xml; charset=utf-8');
        const result = parseLoginResponse(res.text);
        expect(result.instanceUrl).to.equal(t.org.instanceUrl);
        expect(result.serverUrl).to.match(new RegExp(`^${t.org.instanceUrl}${path.replace('/c/', '/u/').replace(/\./g, '\\.')}/00D`));
      }
      expect(await login(t.org)).to.match(/^00D/);
    });

    it('refuses bad credentials with an INVALID_LOGIN fault and HTTP 500', async () => {
      const res = await raw(`${t.org.loginUrl}/services/Soap/u/35.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: `<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>${t.org.username}</n1:username><n1:password>wrong</n1:password></n1:login></env:Body></env:Envelope>`,
      });
      expect(res.status).to.equal(500);
      expect(parseLoginFault(res.text)).to.include({ faultCode: 'sf:INVALID_LOGIN', exceptionCode: 'INVALID_LOGIN' });
    });

    const soap = (body: string, header = '') =>
      raw(`${t.org.loginUrl}/services/Soap/u/62.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', soapaction: '""' },
        body: `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header>${header}</se:Header><se:Body>${body}</se:Body></se:Envelope>`,
      });
    const sessionHeader = (id: string) => `<SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>${id}</sessionId></SessionHeader>`;

    it('logout (as jsforce sends it) ends the session: the Bulk API refuses it after, a second logout is a fault', async () => {
      const session = await login(t.org);
      const before = await raw(`${base}/job/7505g0000000001AAA`, { headers: { 'x-sfdc-session': session } });
      expect(before.text).not.to.contain('InvalidSessionId');
      const res = await soap('<logout xmlns="urn:partner.soap.sforce.com"/>', sessionHeader(session));
      expect(res.status).to.equal(200);
      expect(res.text).to.contain('<logoutResponse/>');
      const after = await raw(`${base}/job/7505g0000000001AAA`, { headers: { 'x-sfdc-session': session } });
      expect(after.text).to.contain('<exceptionCode>InvalidSessionId</exceptionCode>');
      const again = await soap('<logout xmlns="urn:partner.soap.sforce.com"/>', sessionHeader(session));
      expect(again.status).to.equal(500);
      expect(parseLoginFault(again.text)).to.include({ faultCode: 'sf:INVALID_SESSION_ID', exceptionCode: 'INVALID_SESSION_ID' });
    });

    it('answers a SOAP call it has no operation for with a client fault, not a login fault', async () => {
      const res = await soap('<getUserInfo xmlns="urn:partner.soap.sforce.com"/>', sessionHeader(t.session));
      expect(res.status).to.equal(500);
      expect(res.text).to.contain('<faultcode>soapenv:Client</faultcode>');
      expect(res.text).to.contain('No operation available for request {urn:partner.soap.sforce.com}getUserInfo');
      expect(res.text).not.to.contain('INVALID_LOGIN');
    });
  });

  describe('paths', () => {
    it('takes repeated slashes in a path as one (an instance URL that ends in a slash), never as a host name', async () => {
      const job = await t.client.createJob({ operation: 'insert', object: 'Account' });
      const url = new URL(t.org.instanceUrl);
      for (const path of [`//services/async/62.0/job/${job.id}`, `/services//async/62.0///job/${job.id}`]) {
        const res = await raw(`${url.origin}${path}`, { headers: { 'x-sfdc-session': t.session } });
        expect(res.status, path).to.equal(200);
        expect(parseJobInfo(res.text, 'xml').id).to.equal(job.id);
      }
    });
  });

  describe('sessions and users', () => {
    it('answers a missing or unknown session with 400 InvalidSessionId as jsforce expects', async () => {
      for (const session of [undefined, 'nope']) {
        const res = await raw(`${base}/job/7505g0000000001AAA`, { headers: session ? { 'x-sfdc-session': session } : {} });
        expect(res.status).to.equal(400);
        expect(res.headers['content-type']).to.equal('application/xml');
        expect(res.text.includes('<exceptionCode>InvalidSessionId</exceptionCode>')).to.equal(true);
      }
    });

    it('expires sessions after their lifetime', async () => {
      const short = await startTestOrg({ faults: { sessionTtlSeconds: 1 } });
      try {
        const job = await short.client.createJob({ operation: 'insert', object: 'Account' });
        const get = () => raw(`${short.org.instanceUrl}/services/async/35.0/job/${job.id}`, { headers: { 'x-sfdc-session': short.session } });
        // Seen through the API: the same session is refused once its second has passed.
        const res = await waitFor('the session to expire', async () => {
          const answer = await get();
          return answer.status !== 200 && answer;
        });
        expect(res.status).to.equal(400);
        expect(res.text).to.contain('InvalidSessionId');
        // BulkClient.login renews by itself
        expect((await short.client.getJob(job.id)).id).to.equal(job.id);
      } finally {
        await short.close();
      }
    });

    it('hides a job from users who did not create it (InvalidUser)', async () => {
      const two = await startTestOrg({ users: [{ username: 'second@example.com', password: 'pw2' }] });
      try {
        const job = await two.client.createJob({ operation: 'insert', object: 'Account' });
        const second = await login(two.org, 'second@example.com', 'pw2');
        const res = await raw(`${two.org.instanceUrl}/services/async/35.0/job/${job.id}`, { headers: { 'x-sfdc-session': second } });
        expect(res.status).to.equal(400);
        expect(res.text).to.contain('<exceptionCode>InvalidUser</exceptionCode>');
        const own = await raw(`${two.org.instanceUrl}/services/async/35.0/job/${job.id}`, { headers: { 'x-sfdc-session': two.session } });
        expect(own.status).to.equal(200);
      } finally {
        await two.close();
      }
    });
  });

  describe('jobs', () => {
    it('creates a job: 201, application/xml, the recorded layout and element order', async () => {
      const res = await createJob();
      expect(res.status).to.equal(201);
      expect(res.headers['content-type']).to.equal('application/xml');
      const job = parseJobInfo(res.text, 'xml');
      expect(job).to.include({ operation: 'insert', object: 'Account', state: 'Open', contentType: 'CSV', concurrencyMode: 'Parallel', apiVersion: '35.0' });
      expect(job.id).to.match(/^750[0-9A-Za-z]{15}$/);
      expect(job.createdById).to.match(/^005/);
      // Same shape as the recorded Jetstream response, line by line, values aside.
      const shape = (xml: string) => xml.replace(/>[^<]*</g, '><');
      expect(shape(res.text)).to.equal(shape(wireFixture('jetstream_jobInfo_open_update_v65.xml')));
    });

    it('answers in the request format: JSON job, XML request (recorded) and JSON request', async () => {
      const xml = await createJob('<operation>query</operation><object>Account</object><contentType>JSON</contentType>');
      expect(xml.headers['content-type']).to.equal('application/xml');
      const json = await raw(`${base.replace('35.0', '40.0')}/job`, {
        method: 'POST',
        headers: headers({ 'content-type': 'application/json' }),
        body: '{"operation":"insert","object":"Account","contentType":"JSON","concurrencyMode":1}',
      });
      expect(json.status).to.equal(201);
      expect(json.headers['content-type']).to.equal('application/json');
      expect(json.text).to.match(/^\{\n {3}"apexProcessingTime" : 0,/);
      expect(parseJobInfo(json.text, 'json')).to.include({ concurrencyMode: 'Serial', contentType: 'JSON', apiVersion: '40.0' });
    });

    it('rejects bad job requests with the right exceptionCode', async () => {
      const cases: Array<[string, string]> = [
        ['<operation>INSERT</operation><object>Account</object>', 'InvalidJob'],
        ['<operation>insert</operation><object>Nope__c</object>', 'InvalidJob'],
        ['<operation>upsert</operation><object>Account</object>', 'InvalidJob'],
        ['<operation>upsert</operation><object>Account</object><externalIdFieldName>Name</externalIdFieldName>', 'InvalidJob'],
        ['<operation>insert</operation><object>Account</object><contentType>JSON</contentType>', 'InvalidJob'],
      ];
      for (const [body, code] of cases) {
        const res = await createJob(body);
        expect(res.status, body).to.equal(400);
        expect(res.text, body).to.contain(`<exceptionCode>${code}</exceptionCode>`);
      }
      const malformed = await raw(`${base}/job`, { method: 'POST', headers: headers(), body: '<jobInfo><operation>insert' });
      expect(malformed.text).to.contain('<exceptionCode>InvalidXML</exceptionCode>');
      const entity = await raw(`${base}/job`, { method: 'POST', headers: headers(), body: '<!DOCTYPE x [<!ENTITY a "aaaa">]><jobInfo><operation>&a;</operation></jobInfo>' });
      expect(entity.text).to.contain('<exceptionCode>InvalidXML</exceptionCode>');
    });

    it('closes and aborts with the state machine of wire §3.2', async () => {
      const { id } = parseJobInfo((await createJob()).text, 'xml');
      const state = (s: string) => raw(`${base}/job/${id}`, { method: 'POST', headers: headers(), body: XML_JOB(`<state>${s}</state>`) });
      const closed = await state('Closed');
      expect(closed.status).to.equal(200);
      expect(parseJobInfo(closed.text, 'xml').state).to.equal('Closed');
      expect((await state('Closed')).text).to.contain('InvalidJobState');
      expect(parseJobInfo((await state('Aborted')).text, 'xml').state).to.equal('Aborted');
      expect((await state('Closed')).text).to.contain('InvalidJobState');
      expect((await state('Open')).text).to.contain('InvalidJobState');
      const batch = await raw(`${base}/job/${id}/batch`, { method: 'POST', headers: headers({ 'content-type': 'text/csv' }), body: 'Name\nx\n' });
      expect(batch.status).to.equal(400);
      expect(batch.text).to.contain('InvalidJobState');
    });

    it('accepts 15-character ids and refuses unknown ones with InvalidJob / InvalidBatch', async () => {
      const { id } = parseJobInfo((await createJob()).text, 'xml');
      expect((await raw(`${base}/job/${id.slice(0, 15)}`, { headers: headers() })).status).to.equal(200);
      expect((await raw(`${base}/job/7505g00000000zz`, { headers: headers() })).text).to.contain('InvalidJob');
      expect((await raw(`${base}/job/${id}/batch/7515g00000000zz`, { headers: headers() })).text).to.contain('InvalidBatch');
    });

    it('answers other methods with 405 and unknown paths with 404', async () => {
      const { id } = parseJobInfo((await createJob()).text, 'xml');
      for (const method of ['PUT', 'DELETE', 'PATCH']) expect((await raw(`${base}/job/${id}`, { method, headers: headers() })).status, method).to.equal(405);
      expect((await raw(`${base}/job`, { headers: headers() })).status).to.equal(405);
      expect((await raw(`${t.org.instanceUrl}/services/apexrest/Nothing`, { headers: headers() })).status).to.equal(404);
    });
  });

  describe('batches', () => {
    let jobId: string;
    beforeEach(async () => {
      jobId = parseJobInfo((await createJob()).text, 'xml').id;
    });

    it('adds a batch: 201 batchInfo Queued with a Location, then lists it', async () => {
      const res = await raw(`${base}/job/${jobId}/batch`, { method: 'POST', headers: headers({ 'content-type': 'text/csv; charset=UTF-8' }), body: 'Name\nAcme\n' });
      expect(res.status).to.equal(201);
      expect(res.headers['content-type']).to.equal('application/xml');
      const batch = parseBatchInfo(res.text, 'xml');
      expect(batch).to.include({ jobId, state: 'Queued' });
      expect(res.headers.location).to.equal(`/services/async/35.0/job/${jobId}/batch/${batch.id}`);
      const list = await raw(`${base}/job/${jobId}/batch`, { headers: headers() });
      expect(list.text).to.contain(`<id>${batch.id}</id>`);
      const request = await raw(`${base}/job/${jobId}/batch/${batch.id}/request`, { headers: headers() });
      expect(request.headers['content-type']).to.equal('text/csv');
      expect(request.text).to.equal('Name\nAcme\n');
    });

    it('answers an empty job list with the recorded self-closing document', async () => {
      const list = await raw(`${base}/job/${jobId}/batch`, { headers: headers() });
      expect(list.text).to.equal('<?xml version="1.0" encoding="UTF-8"?><batchInfoList\n   xmlns="http://www.force.com/2009/06/asyncapi/dataload" />');
    });

    it('refuses an empty batch with 400 ClientInputError, and a wrong Content-Type', async () => {
      const empty = await raw(`${base}/job/${jobId}/batch`, { method: 'POST', headers: headers({ 'content-type': 'text/csv' }), body: '' });
      expect(empty.status).to.equal(400);
      expect(empty.text).to.contain('<exceptionMessage>Unable to find any data to create batch</exceptionMessage>');
      const wrong = await raw(`${base}/job/${jobId}/batch`, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: '[]' });
      expect(wrong.text).to.contain('InvalidBatch');
    });

    it('takes gzip request bodies and answers gzip when asked; refuses other encodings with 415', async () => {
      const res = await raw(`${base}/job/${jobId}/batch`, {
        method: 'POST',
        headers: headers({ 'content-type': 'text/csv', 'content-encoding': 'gzip', 'accept-encoding': 'gzip' }),
        body: gzipSync('Name\nZipped\n'),
      });
      expect(res.status).to.equal(201);
      expect(res.headers['content-encoding']).to.equal('gzip');
      const batch = parseBatchInfo(gunzipSync(res.body), 'xml');
      const request = await raw(`${base}/job/${jobId}/batch/${batch.id}/request`, { headers: headers() });
      expect(request.text).to.equal('Name\nZipped\n');
      const deflate = await raw(`${base}/job/${jobId}/batch`, { method: 'POST', headers: headers({ 'content-type': 'text/csv', 'content-encoding': 'deflate' }), body: 'x' });
      expect(deflate.status).to.equal(415);
    });

    it('refuses a body over 10,000,000 bytes while it streams in, and a gzip bomb', async () => {
      const big = Buffer.alloc(10_000_001, 'a');
      const res = await raw(`${base}/job/${jobId}/batch`, { method: 'POST', headers: headers({ 'content-type': 'text/csv' }), body: big });
      expect(res.status).to.equal(400);
      expect(res.text).to.contain('Exceeded max size limit of 10000000 bytes');
      const bomb = gzipSync(Buffer.alloc(50_000_000, 'a'));
      const zipped = await raw(`${base}/job/${jobId}/batch`, { method: 'POST', headers: headers({ 'content-type': 'text/csv', 'content-encoding': 'gzip' }), body: bomb });
      expect(zipped.status).to.equal(400);
      expect(zipped.text).to.contain('Exceeded max size limit');
    });

    it('answers a result request before the batch is done with InvalidBatch', async () => {
      const held = await startTestOrg({ faults: { holdInProgressMs: 300 } });
      try {
        const heldBase = `${held.org.instanceUrl}/services/async/35.0`;
        const job = await held.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
        const batch = await held.client.addBatch(job.id, 'Name\nA\n');
        const res = await raw(`${heldBase}/job/${job.id}/batch/${batch.id}/result`, { headers: { 'x-sfdc-session': held.session } });
        expect(res.status).to.equal(400);
        expect(res.text).to.contain('<exceptionCode>InvalidBatch</exceptionCode>');
        await held.org.whenIdle();
        const done = await raw(`${heldBase}/job/${job.id}/batch/${batch.id}/result`, { headers: { 'x-sfdc-session': held.session } });
        expect(done.status).to.equal(200);
        expect(done.headers['content-type']).to.equal('text/csv');
        expect(done.text).to.match(/^"Id","Success","Created","Error"\n"0015g[0-9A-Za-z]{13}","true","true",""\n$/);
      } finally {
        await held.close();
      }
    });
  });
});
