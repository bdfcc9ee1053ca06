import { expect } from 'chai';
import {
  instanceUrlOf,
  parseLoginFault,
  parseLoginResponse,
  serializeLoginFault,
  serializeLoginRequest,
  serializeLoginResponse,
  type LoginGrant,
} from '../../../lib/auth/soap-login.js';
import { parseXmlDocument } from '../../../lib/wire/xml-reader.js';
import { wireFixture } from '../../helpers/fixtures.js';

describe('lib/auth/soap-login', () => {
  it('reads the recorded partner loginResponse (indented, v27)', () => {
    const login = parseLoginResponse(wireFixture('soap_partner_login_response_jorgevaldivia.xml'));
    expect(login).to.deep.equal({
      serverUrl: 'https://cs7-api.salesforce.com/services/Soap/u/27.0/00EU00000095Y5b',
      instanceUrl: 'https://cs7-api.salesforce.com',
      sessionId: '00DM00000099X9a!AQ7AQJ9BjrYfF2h_G9_VERsCRVjTMAPaWjz2zuqqRBduYvKCmHexVbKdtxFMrgTnV9Xi.M80AhIkjnwuEVxI00ChG09._Q_X',
      userId: '005K001100243YPIAY',
      organizationId: '00ID0000OrgFoo',
      passwordExpired: false,
      sandbox: true,
      sessionSecondsValid: 3600,
    });
  });

  it('reads the single-line Data Loader trace response', () => {
    const trace = wireFixture('dataloader_soap_login_trace_partner_v8.txt').split('\n');
    const response = trace[trace.indexOf('------------ Response start ----------') + 1] as string;
    const login = parseLoginResponse(response);
    expect(login).to.include({ instanceUrl: 'https://na1.salesforce.com', userId: '005x0000000fNSiAAM', organizationId: '00Dx00000000qlEEAQ' });
  });

  it('reads the recorded login fault', () => {
    const fault = parseLoginFault(wireFixture('soap_login_fault_jorgevaldivia.xml'));
    expect(fault).to.include({ faultCode: 'INVALID_LOGIN', exceptionCode: 'INVALID_LOGIN' });
    expect(fault?.faultString).to.match(/^INVALID_LOGIN: Invalid username/);
    expect(parseLoginFault('<html>oops</html>')).to.equal(undefined);
  });

  it('keeps port and http for a local org', () => {
    expect(instanceUrlOf('http://127.0.0.1:41234/services/Soap/u/35.0/00D000000000001')).to.equal('http://127.0.0.1:41234');
  });

  it('writes an envelope that escapes credentials', () => {
    const envelope = serializeLoginRequest('a&b@example.com', 'p<w>"d');
    const root = parseXmlDocument(envelope, { source: 'login' });
    const login = root.children[1]?.children[0];
    expect(login?.name).to.equal('login');
    expect(login?.uri).to.equal('urn:partner.soap.sforce.com');
    expect(login?.children.map((c) => c.text)).to.deep.equal(['a&b@example.com', 'p<w>"d']);
  });

  it('says what is missing in a response without a session', () => {
    const body = wireFixture('soap_partner_login_response_jorgevaldivia.xml').replace(/<sessionId>.*<\/sessionId>/, '');
    expect(() => parseLoginResponse(body))
      .to.throw(/sessionId/)
      .with.property('code', 'BULK_PARSE');
  });

  describe('server side', () => {
    const grant: LoginGrant = {
      serverUrl: 'http://127.0.0.1:8080/services/Soap/u/35.0/00D000000000001',
      metadataServerUrl: 'http://127.0.0.1:8080/services/Soap/m/35.0/00D000000000001',
      sessionId: '00D000000000001!AQ4AQ<&>x',
      userId: '005000000000001AAA',
      organizationId: '00D000000000001AAA',
      organizationName: 'Local & Co',
      profileId: '00e000000000001AAA',
      userName: 'admin@bulkpipe.local',
      userEmail: 'admin@bulkpipe.local',
      userFullName: 'Local Admin',
      sessionSecondsValid: 7200,
      sandbox: true,
    };

    it('writes a loginResponse that our reader and jsforce-style regexes both read', () => {
      const xml = serializeLoginResponse(grant);
      expect(parseLoginResponse(xml)).to.deep.equal({
        serverUrl: grant.serverUrl,
        instanceUrl: 'http://127.0.0.1:8080',
        sessionId: grant.sessionId,
        userId: grant.userId,
        organizationId: grant.organizationId,
        passwordExpired: false,
        sandbox: true,
        sessionSecondsValid: 7200,
      });
      // jsforce 1.x: /<serverUrl>([^<]+)<\/serverUrl>/ and friends, on unprefixed elements.
      expect(/<serverUrl>([^<]+)<\/serverUrl>/.exec(xml)?.[1]).to.equal(grant.serverUrl);
      expect(/<userId>([^<]+)<\/userId>/.exec(xml)?.[1]).to.equal(grant.userId);
      expect(/<organizationId>([^<]+)<\/organizationId>/.exec(xml)?.[1]).to.equal(grant.organizationId);
      expect(xml).to.contain('<roleId xsi:nil="true"/>');
      const result = xml.slice(xml.indexOf('<result>'), xml.indexOf('<userInfo>'));
      expect(result.match(/<(\w+)>/g)?.map((t) => t.slice(1, -1))).to.deep.equal(['result', 'metadataServerUrl', 'passwordExpired', 'sandbox', 'serverUrl', 'sessionId', 'userId']);
    });

    it('writes a fault that our reader, jsforce and simple-salesforce read', () => {
      const xml = serializeLoginFault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
      expect(parseLoginFault(xml)).to.deep.equal({
        faultCode: 'sf:INVALID_LOGIN',
        faultString: 'INVALID_LOGIN: Invalid username, password, security token; or user locked out.',
        exceptionCode: 'INVALID_LOGIN',
        exceptionMessage: 'Invalid username, password, security token; or user locked out.',
      });
      expect(/<faultstring>([^<]+)<\/faultstring>/.exec(xml)?.[1]).to.match(/^INVALID_LOGIN: /);
      expect(xml).to.contain('<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>');
    });
  });
});
