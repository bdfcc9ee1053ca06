/**
 * Bulk API 2.0 ingest jobs of the local org through the wire (server/http/v2/ingest-*.ts): create
 * and its refusals, the three JobInfo shapes against the recorded key order, the state machine with
 * each refusal, DELETE, unknown and other users' jobs, and v1/v2 ids kept apart.
 */
import { expect } from 'chai';
import { login, startTestOrg, type TestOrg } from '../helpers/local-org.js';
import { ingestCalls, type Json, recordedKeys, wireV2Fixture } from '../helpers/ingest-v2-calls.js';
import { raw } from '../helpers/raw-http.js';
import { startServer } from '../../server/index.js';

const NOT_FOUND = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];

/** The keys of a recorded create answer (v47 upsert): Jackson order, with contentUrl and the dialect last. */
const CREATE_KEYS = recordedKeys('real_v47_upsert_create_response.json');

describe('server/http/v2 ingest jobs', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({
      users: [{ username: 'other@bulkpipe.local', password: 'pw' }],
      schema: { objects: [{ name: 'Score__c', fields: [{ name: 'Ext__c', type: 'string', length: 20, externalId: true, unique: true }] }] },
    });
  });
  after(async () => {
    await t.close();
  });
  const v2 = ingestCalls(() => t);

  describe('create', () => {
    it('answers the create shape in the recorded key order: Open, contentUrl without a leading slash, apiVersion a number', async () => {
      const job = await v2.create({ object: 'Score__c', operation: 'upsert', externalIdFieldName: 'Ext__c', contentType: 'CSV', lineEnding: 'LF' });
      expect(Object.keys(job)).to.deep.equal(CREATE_KEYS);
      expect(job).to.include({
        operation: 'upsert',
        object: 'Score__c',
        state: 'Open',
        externalIdFieldName: 'Ext__c',
        concurrencyMode: 'Parallel',
        contentType: 'CSV',
        apiVersion: 62,
      });
      expect(job.id).to.match(/^750[A-Za-z0-9]{15}$/);
      expect(job.createdById).to.match(/^005/);
      expect(job.contentUrl).to.equal(`services/data/v62.0/jobs/ingest/${job.id as string}/batches`);
      expect(job.createdDate).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$/);
      expect(job).to.include({ lineEnding: 'LF', columnDelimiter: 'COMMA' });
    });

    it('takes every operation, the six delimiters, both line endings, and assignmentRuleId', async () => {
      for (const operation of ['insert', 'update', 'delete', 'hardDelete']) expect((await v2.create({ object: 'Account', operation })).operation).to.equal(operation);
      for (const columnDelimiter of ['BACKQUOTE', 'CARET', 'COMMA', 'PIPE', 'SEMICOLON', 'TAB']) {
        expect((await v2.create({ object: 'Account', operation: 'insert', columnDelimiter, lineEnding: 'CRLF' })).columnDelimiter).to.equal(columnDelimiter);
      }
      const ruled = await v2.create({ object: 'Lead', operation: 'insert', assignmentRuleId: '01Q5g000000AAAAAAA' });
      expect(ruled.assignmentRuleId).to.equal('01Q5g000000AAAAAAA');
      expect((await v2.create({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Id' })).externalIdFieldName).to.equal('Id');
    });

    it('refuses what Salesforce refuses, in its words (recorded v47)', async () => {
      const refusal = async (request: unknown, raw = JSON.stringify(request)) => {
        const res = await v2.call('POST', '', { body: raw, headers: { 'content-type': 'application/json' } });
        expect(res.status, res.text).to.equal(400);
        expect(res.headers['content-type']).to.equal('application/json;charset=UTF-8');
        return JSON.parse(res.text) as Json[];
      };
      expect(await refusal({ object: '', operation: 'insert' })).to.deep.equal([{ errorCode: 'INVALIDJOB', message: 'InvalidJob : Unable to find object: ' }]);
      expect(await refusal({ object: 'Nope__c', operation: 'insert' })).to.deep.equal([{ errorCode: 'INVALIDJOB', message: 'InvalidJob : Unable to find object: Nope__c' }]);
      expect(await refusal({ object: 'Account', operation: '' })).to.deep.equal([{ errorCode: 'API_ERROR', message: "Invalid value: '' supplied for property: 'operation'" }]);
      expect(await refusal({ object: 'Account', operation: 'merge' })).to.deep.equal([
        { errorCode: 'API_ERROR', message: "Invalid value: 'merge' supplied for property: 'operation'" },
      ]);
      expect(await refusal({ object: 'Account', operation: 'insert', contentType: '' })).to.deep.equal([
        { errorCode: 'API_ERROR', message: "Invalid value: '' supplied for property: 'contentType'" },
      ]);
      expect((await refusal({ object: 'Account', operation: 'insert', columnDelimiter: 'COLON' }))[0]?.message).to.equal(
        "Invalid value: 'COLON' supplied for property: 'columnDelimiter'",
      );
      expect((await refusal({ object: 'Account', operation: 'insert', lineEnding: 'CR' }))[0]?.message).to.equal("Invalid value: 'CR' supplied for property: 'lineEnding'");
      expect(await refusal({ object: 'Score__c', operation: 'upsert', externalIdFieldName: '' })).to.deep.equal([
        { errorCode: 'INVALIDJOB', message: 'InvalidJob : Field name provided,  does not match an External ID for Score__c' },
      ]);
      expect((await refusal({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Phone' }))[0]?.message).to.equal(
        'InvalidJob : Field name provided, Phone does not match an External ID for Account',
      );
      expect((await refusal({ object: 'Account', operation: 'upsert' }))[0]?.message).to.equal(
        'InvalidJob : External ID was blank for Account. An External ID must be specified for upsert.',
      );
      expect(await refusal(null, '{"object":"Account","operation":["insert"]}')).to.deep.equal([
        { errorCode: 'API_ERROR', message: 'Value does not match expected type at [line:1, column:33]' },
      ]);
      expect((await refusal(null, '{"object": "Account",'))[0]?.errorCode).to.equal('JSON_PARSER_ERROR');
    });

    it('needs API 41.0 or later, and a session (401 before anything else)', async () => {
      const old = await raw(`${t.org.instanceUrl}/services/data/v40.0/jobs/ingest`, { method: 'POST', headers: { authorization: `Bearer ${t.session}` }, body: '{}' });
      expect(old.status).to.equal(404);
      const dead = await v2.call('POST', '', { session: 'nope', body: '{}' });
      expect(dead.status).to.equal(401);
      expect(JSON.parse(dead.text)[0]).to.include({ errorCode: 'INVALID_SESSION_ID' });
    });
  });

  describe('job info and the state machine', () => {
    it('GET: the full shape in the recorded order; counters absent before the upload, present after it; contentUrl only while Open', async () => {
      const job = await v2.create({ object: 'Account', operation: 'insert' });
      const id = job.id as string;
      const open = await v2.info(id);
      expect(Object.keys(open)).to.deep.equal(recordedKeys('docs_ingest_jobinfo_open_v66.json'));
      expect(open).to.include({ state: 'Open', jobType: 'V2Ingest', retries: 0, totalProcessingTime: 0, apexProcessingTime: 0 });
      expect((await v2.upload(id, 'Name\nAcme\nGlobex\n')).status).to.equal(201);
      const uploaded = await v2.info(id);
      // Recorded v52: after the PUT, still Open, the counters appear as 0 (between columnDelimiter and retries).
      expect(Object.keys(uploaded)).to.deep.equal([...Object.keys(open).slice(0, 14), 'numberRecordsProcessed', 'numberRecordsFailed', ...Object.keys(open).slice(14)]);
      expect(uploaded).to.include({ state: 'Open', numberRecordsProcessed: 0, numberRecordsFailed: 0 });
      // Results before the job is done: 200 with what is done so far (here nothing: the header alone).
      const early = await v2.results(id, 'successfulResults');
      expect([early.status, early.text]).to.deep.equal([200, '"sf__Id","sf__Created",Name\n']);
      expect((await v2.results(id, 'unprocessedrecords')).text).to.equal('Name\n');
      const closed = await v2.patch(id, 'UploadComplete');
      expect(closed.status).to.equal(200);
      const short = JSON.parse(closed.text) as Json;
      expect(Object.keys(short)).to.deep.equal(recordedKeys('docs_ingest_upload_complete_response_v66.json'));
      expect(short.state).to.equal('UploadComplete');
      await t.org.whenIdle();
      const done = await v2.info(id);
      expect(Object.keys(done)).to.deep.equal(recordedKeys('docs_ingest_jobinfo_jobcomplete_v66.json'));
      expect(done).to.include({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0 });
    });

    it('follows the recorded v52 update trace: keys at each step', async () => {
      const trace = wireV2Fixture('real_v52_ingest_update_trace.txt');
      const steps = [...trace.matchAll(/=== ([^=]+) ===\n(\{[\s\S]*?\n\})/g)].map(([, title, body]) => ({
        title: title as string,
        keys: [...(body as string).matchAll(/^ {2}(\w+):/gm)].map((m) => m[1] as string),
      }));
      const keysOf = (title: string) => steps.find((s) => s.title.startsWith(title))?.keys;
      const inserted = await v2.load({ object: 'Account', operation: 'insert', lineEnding: 'LF' }, 'Name,Phone\nA,1\nB,2\nC,3\nD,4\n');
      const ids = (await v2.results(inserted.id as string, 'successfulResults')).text.match(/001[A-Za-z0-9]{15}/g) as string[];
      const job = await v2.create({ object: 'Account', operation: 'update', lineEnding: 'LF' });
      const id = job.id as string;
      expect(Object.keys(job)).to.deep.equal(keysOf('CREATE JOB'));
      expect(Object.keys(await v2.info(id))).to.deep.equal(keysOf('GET JOB (Open, before upload)'));
      const put = await v2.upload(id, `Id,Phone\n${ids.map((x, i) => `${x},555-000${i}`).join('\n')}\n`);
      expect(put.status).to.equal(201);
      expect(put.text).to.equal('');
      expect(Object.keys(await v2.info(id))).to.deep.equal(keysOf('GET JOB (Open, after upload)'));
      const patched = JSON.parse((await v2.patch(id, 'UploadComplete')).text) as Json;
      expect(Object.keys(patched)).to.deep.equal(keysOf('PATCH STATE'));
      // Recorded: the PATCH leaves systemModstamp as it was.
      expect(patched.systemModstamp).to.equal(job.systemModstamp);
      await t.org.whenIdle();
      const done = await v2.info(id);
      expect(Object.keys(done)).to.deep.equal(keysOf('GET JOB (JobComplete)'));
      expect(done).to.include({ state: 'JobComplete', numberRecordsProcessed: 4, numberRecordsFailed: 0 });
      expect((await v2.results(id, 'failedResults/')).text).to.equal(`${wireV2Fixture('real_v52_ingest_failedResults_empty.csv').trimEnd()}\n`);
      expect((await v2.results(id, 'unprocessedrecords/')).text).to.equal(`${wireV2Fixture('real_v52_ingest_unprocessedrecords_empty.csv').trimEnd()}\n`);
    });

    it('refuses transitions outside the state machine with INVALIDJOBSTATE 400', async () => {
      const refused = async (id: string, state: string) => {
        const res = await v2.patch(id, state);
        expect(res.status, res.text).to.equal(400);
        return (JSON.parse(res.text) as Json[])[0] as Json;
      };
      const job = await v2.load({ object: 'Account', operation: 'insert' }, 'Name\nA\n');
      const id = job.id as string;
      expect(job.state).to.equal('JobComplete');
      expect(await refused(id, 'Aborted')).to.deep.equal({ errorCode: 'INVALIDJOBSTATE', message: 'Aborting already Completed Job not allowed' });
      expect((await refused(id, 'UploadComplete')).errorCode).to.equal('INVALIDJOBSTATE');
      const open = (await v2.create({ object: 'Account', operation: 'insert' })).id as string;
      expect((await refused(open, 'JobComplete')).errorCode).to.equal('INVALIDJOBSTATE');
      expect((await refused(open, 'uploadcomplete')).errorCode).to.equal('INVALIDJOBSTATE');
      const aborted = await v2.patch(open, 'Aborted');
      expect(aborted.status).to.equal(200);
      expect(JSON.parse(aborted.text)).to.include({ state: 'Aborted' });
      expect((await refused(open, 'Aborted')).message).to.equal('Aborting already Aborted Job not allowed');
      // PUT after the job left Open.
      const late = await v2.upload(open, 'Name\nA\n');
      expect(late.status).to.equal(400);
      expect(JSON.parse(late.text)[0]).to.include({ errorCode: 'INVALIDJOBSTATE' });
    });

    it('refuses a second PUT with the recorded message (15-character id, "multipe")', async () => {
      const id = (await v2.create({ object: 'Account', operation: 'insert' })).id as string;
      expect((await v2.upload(id, 'Name\nA\n')).status).to.equal(201);
      const second = await v2.upload(id, 'Name\nB\n');
      expect(second.status).to.equal(400);
      expect(JSON.parse(second.text)).to.deep.equal([
        {
          errorCode: 'BULK_API_ERROR',
          message: `Found multipe contents for job: <${id.slice(0, 15)}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`,
        },
      ]);
      expect((await v2.closeAndWait(id)).numberRecordsProcessed).to.equal(1);
    });

    it('an unknown field fails the job with the recorded errorMessage', async () => {
      const job = await v2.load({ object: 'Account', operation: 'insert' }, 'Name,ContactId__c\nA,x\n');
      expect(job).to.include({ state: 'Failed', errorMessage: 'InvalidBatch : Field name not found : ContactId__c', numberRecordsProcessed: 0, numberRecordsFailed: 0 });
      const keys = Object.keys(job);
      expect(keys.indexOf('errorMessage')).to.equal(keys.indexOf('numberRecordsFailed') + 1);
      expect((await v2.results(job.id as string, 'unprocessedrecords')).text).to.equal('Name,ContactId__c\n"A","x"\n');
    });

    it('DELETE: 204 for a finished job, then 404; 400 API_ERROR while Open', async () => {
      const open = (await v2.create({ object: 'Account', operation: 'insert' })).id as string;
      const early = await v2.call('DELETE', `/${open}`);
      expect(early.status).to.equal(400);
      expect(JSON.parse(early.text)).to.deep.equal([{ errorCode: 'API_ERROR', message: 'Error encountered when deleting the job because the job is not terminated' }]);
      const done = (await v2.load({ object: 'Account', operation: 'insert' }, 'Name\nA\n')).id as string;
      const deleted = await v2.call('DELETE', `/${done}`);
      expect(deleted.status).to.equal(204);
      expect(deleted.text).to.equal('');
      for (const path of [`/${done}`, `/${done}/successfulResults`]) {
        const gone = await v2.call('GET', path);
        expect(gone.status).to.equal(404);
        expect(JSON.parse(gone.text)).to.deep.equal(NOT_FOUND);
      }
      expect(JSON.parse(wireV2Fixture('docs_error_job_not_found_404.json'))).to.deep.equal(NOT_FOUND);
    });

    it("answers 404 NOT_FOUND for an unknown id, another user's job, a v1 job; the v1 API does not know a v2 job", async () => {
      const mine = (await v2.create({ object: 'Account', operation: 'insert' })).id as string;
      const other = await login(t.org, 'other@bulkpipe.local', 'pw');
      const classic = await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      for (const [path, session] of [
        ['/750000000000000AAA', t.session],
        ['/nope', t.session],
        [`/${mine}`, other],
        [`/${mine.slice(0, 15)}/failedResults`, other],
        [`/${classic.id}`, t.session],
        [`/${mine}/nothing`, t.session],
      ] as const) {
        const res = await v2.call('GET', path, { session });
        expect(res.status, path).to.equal(404);
        expect(JSON.parse(res.text)).to.deep.equal(NOT_FOUND);
      }
      expect((await v2.call('GET', `/${mine.slice(0, 15)}`)).status).to.equal(200);
      const v1 = await raw(`${t.org.instanceUrl}/services/async/62.0/job/${mine}`, { headers: { 'x-sfdc-session': t.session } });
      expect(v1.status).to.equal(400);
      expect(v1.text).to.contain('<exceptionCode>InvalidJob</exceptionCode>');
      expect((await v2.call('POST', `/${mine}`)).status).to.equal(405);
    });
  });
});

describe('server/http/v2 ingest under injected faults', () => {
  it('answers an injected 5xx on /jobs/ paths in the REST shape (JSON array, errorCode first)', async () => {
    const org = await startServer({ faults: 'seed=3,error5xx=0.5' });
    try {
      let session: string | undefined;
      for (let i = 0; i < 50 && !session; i++) session = await login(org).catch(() => undefined);
      expect(session).to.be.a('string');
      const statuses = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const res = await raw(`${org.instanceUrl}/services/data/v62.0/jobs/ingest`, { headers: { authorization: `Bearer ${session as string}` } });
        statuses.add(res.status);
        if (res.status === 503) {
          expect(res.headers['content-type']).to.equal('application/json;charset=UTF-8');
          expect(JSON.parse(res.text)).to.deep.equal([{ errorCode: 'SERVER_UNAVAILABLE', message: 'Injected fault: service unavailable' }]);
        } else expect(res.status).to.equal(200);
      }
      expect([...statuses].sort()).to.deep.equal([200, 503]);
    } finally {
      await org.close();
    }
  });
});
