import { expect } from 'chai';
import { SoapLoginProvider } from '../../../lib/auth/soap-login-provider.js';
import { BulkClient } from '../../../lib/http/client.js';
import { parseJobInfo, serializeJobInfo } from '../../../lib/wire/job-info.js';
import { rejection, wireFixture } from '../../helpers/fixtures.js';
import { ScriptedServer, reply, type Handler } from '../../helpers/scripted-server.js';

/** The recorded loginResponse with its serverUrl and session pointed at the scripted server. */
function loginResponse(serverUrl: string, sessionId: string): string {
  return wireFixture('soap_partner_login_response_jorgevaldivia.xml')
    .replace(/<serverUrl>[^<]*<\/serverUrl>/, `<serverUrl>${serverUrl}/services/Soap/u/35.0/00D000000000001</serverUrl>`)
    .replace(/<sessionId>[^<]*<\/sessionId>/, `<sessionId>${sessionId}</sessionId>`);
}

describe('lib/auth/soap-login-provider', () => {
  let server: ScriptedServer;
  beforeEach(async () => {
    server = await new ScriptedServer().start();
  });
  afterEach(async () => {
    await server.close();
  });

  const ok =
    (sessionId: string): Handler =>
    (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(loginResponse(server.url, sessionId));

  it('validates its options', () => {
    expect(() => new SoapLoginProvider({ loginUrl: 'nope', username: 'u', password: 'p' }))
      .to.throw()
      .with.property('option', 'loginUrl');
    expect(() => new SoapLoginProvider({ loginUrl: 'http://x', username: '', password: 'p' }))
      .to.throw()
      .with.property('option', 'username');
  });

  it('posts the envelope to /services/Soap/u/<version> and reads the session', async () => {
    server.script(ok('SESSION-A'));
    const provider = new SoapLoginProvider({ loginUrl: server.url, username: 'admin@example.com', password: 'secret&token', apiVersion: '42.0' });
    const session = await provider.login();
    expect(session).to.deep.include({ instanceUrl: server.url, sessionId: 'SESSION-A', userId: '005K001100243YPIAY' });
    const [req] = server.requests;
    expect(req?.url).to.equal('/services/Soap/u/42.0');
    expect(req?.headers['content-type']).to.match(/^text\/xml/);
    expect(req?.headers.soapaction).to.equal('login');
    expect(req?.body.toString()).to.contain('<password>secret&amp;token</password>');
  });

  it('turns a SOAP fault into LoginError, without retrying', async () => {
    server.script(reply(500, 'text/xml', wireFixture('soap_login_fault_jorgevaldivia.xml')));
    const provider = new SoapLoginProvider({ loginUrl: server.url, username: 'admin@example.com', password: 'wrong' });
    const err = await rejection(provider.login());
    expect(err).to.include({ code: 'BULK_LOGIN_FAILED', faultCode: 'INVALID_LOGIN', statusCode: 500 });
    expect(err.message).to.contain('INVALID_LOGIN: Invalid username');
    expect(err.message).not.to.contain('wrong');
    expect(server.requests).to.have.length(1);
  });

  it('turns a garbled answer into LoginError, never a crash', async () => {
    server.script(reply(200, 'text/html', '<html><body>Maintenance</body></html>'));
    const provider = new SoapLoginProvider({ loginUrl: server.url, username: 'u', password: 'p' });
    const err = await rejection(provider.login());
    expect(err).to.include({ code: 'BULK_LOGIN_FAILED' });
  });

  it('retries a transient 503 and times out a hung server', async () => {
    server.script(reply(503, 'text/plain', 'busy'), ok('SESSION-B'));
    const provider = new SoapLoginProvider({ loginUrl: server.url, username: 'u', password: 'p', retry: { minDelayMs: 1 } });
    expect((await provider.login()).sessionId).to.equal('SESSION-B');

    server.script(() => {
      /* never answers */
    });
    const hung = new SoapLoginProvider({ loginUrl: server.url, username: 'u', password: 'p', retry: { maxRetries: 0 }, connection: { headersTimeoutMs: 200 } });
    const err = await rejection(hung.login());
    expect(err).to.include({ code: 'BULK_NETWORK', causeCode: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('BulkClient.login: logs in, calls the instance, and logs in again on InvalidSessionId', async () => {
    const job = serializeJobInfo(parseJobInfo(wireFixture('jetstream_jobInfo_open_update_v65.xml'), 'xml'), 'xml');
    server.script(ok('SESSION-1'), reply(200, 'application/xml', job));
    const client = await BulkClient.login({ loginUrl: server.url, username: 'u', password: 'p' });
    try {
      expect(client.instanceUrl).to.equal(server.url);
      await client.getJob('750Kf00000R1wzRIAR');
      server.script(
        reply(
          400,
          'application/xml',
          '<?xml version="1.0" encoding="UTF-8"?><error\n   xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n <exceptionCode>InvalidSessionId</exceptionCode>\n <exceptionMessage>Session expired or invalid</exceptionMessage>\n</error>',
        ),
        ok('SESSION-2'),
        reply(200, 'application/xml', job),
      );
      await client.getJob('750Kf00000R1wzRIAR');
      expect(server.requests.map((r) => r.headers['x-sfdc-session'] ?? r.url)).to.deep.equal([
        '/services/Soap/u/62.0',
        'SESSION-1',
        'SESSION-1',
        '/services/Soap/u/62.0',
        'SESSION-2',
      ]);
    } finally {
      await client.close();
    }
  });
});
