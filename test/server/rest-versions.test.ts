/** API versions through 66.0 on every surface, and a clear refusal past it (server/http/api-versions.ts). */
import { expect } from 'chai';
import { login, useTestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';

describe('server/http/api-versions: one version rule on every surface', () => {
  const state = useTestOrg();
  const url = (path: string) => `${state.org.org.instanceUrl}${path}`;
  const soapLogin = (version: string) =>
    raw(url(`/services/Soap/u/${version}`), {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: '""' },
      body: `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>${state.org.org.username}</username><password>${state.org.org.password}</password></login></se:Body></se:Envelope>`,
    });
  const createJob = (version: string, session: string) =>
    raw(url(`/services/async/${version}/job`), {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'x-sfdc-session': session },
      body: '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>insert</operation><object>Account</object><contentType>CSV</contentType></jobInfo>',
    });

  it('66.0 works everywhere: SOAP login, REST, Bulk API v1', async () => {
    const res = await soapLogin('66.0');
    expect(res.status).to.equal(200);
    expect(res.text).to.include('/services/Soap/u/66.0/');
    const session = (/<sessionId>([^<]+)</.exec(res.text) as RegExpExecArray)[1] as string;
    const rest = await raw(url('/services/data/v66.0/sobjects'), { headers: { authorization: `Bearer ${session}` } });
    expect(rest.status).to.equal(200);
    const job = await createJob('66.0', session);
    expect(job.status).to.equal(201);
    expect(job.text).to.include('<apiVersion>66.0</apiVersion>');
  });

  it('past 66.0: a SOAP UNSUPPORTED_API_VERSION fault, REST 404 NOT_FOUND, Bulk API v1 InvalidVersion', async () => {
    const soap = await soapLogin('67.0');
    expect(soap.status).to.equal(500);
    expect(soap.text).to.include('<faultcode>sf:UNSUPPORTED_API_VERSION</faultcode>');
    expect(soap.text).to.include('Invalid Api version specified on URL');
    const session = await login(state.org.org);
    for (const path of [
      '/services/data/v67.0',
      '/services/data/v67.0/sobjects',
      '/services/data/v67.0/jobs/ingest',
      '/services/data/v62.5/sobjects',
      '/services/data/v19.0/limits',
    ]) {
      const res = await raw(url(path), { headers: { authorization: `Bearer ${session}` } });
      expect(res.status, path).to.equal(404);
      expect(JSON.parse(res.text), path).to.deep.equal([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    }
    const v1 = await createJob('67.0', session);
    expect(v1.status).to.equal(400);
    expect(v1.text).to.include('<exceptionCode>InvalidVersion</exceptionCode>');
    expect(v1.text).to.include('66.0');
  });
});
