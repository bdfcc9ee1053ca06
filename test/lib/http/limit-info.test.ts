/**
 * The client's view of the org's budget: `Sforce-Limit-Info` read from every answer that carries
 * it (the latest kept), `client.limits()`, and the count of its own requests.
 */
import { expect } from 'chai';
import { BulkApiError } from '../../../lib/errors.js';
import { parseLimitInfo, parseOrgLimits } from '../../../lib/http/limit-info.js';
import { type TestOrg, startTestOrg } from '../../helpers/local-org.js';

describe('lib/http/limit-info', () => {
  it('parses api-usage, alone or before per-app usage; anything else is undefined', () => {
    expect(parseLimitInfo('api-usage=25/5000')).to.deep.equal({ used: 25, max: 5000 });
    expect(parseLimitInfo('api-usage=18/5000, per-app-api-usage=17/250(appName=sample-connected-app)')).to.deep.equal({ used: 18, max: 5000 });
    expect(parseLimitInfo('per-app-api-usage=17/250(appName=x)')).to.equal(undefined);
    expect(parseLimitInfo('')).to.equal(undefined);
  });

  it('keeps the limits with a numeric Max and Remaining', () => {
    const body = Buffer.from(JSON.stringify({ DailyApiRequests: { Max: 15000, Remaining: 14998 }, Odd: { Max: 'x' }, Nested: { Max: 1, Remaining: 1, Extra: {} } }));
    expect(parseOrgLimits(body)).to.deep.equal({ DailyApiRequests: { Max: 15000, Remaining: 14998 }, Nested: { Max: 1, Remaining: 1 } });
  });

  describe('BulkClient against the local org', () => {
    let t: TestOrg;
    afterEach(async () => {
      await t?.close();
    });

    it('limits(): every limit typed; apiUsage follows the latest answer; requestsSent counts its own requests', async () => {
      t = await startTestOrg({ limits: { DailyApiRequests: 50, DailyBulkApiBatches: 7 } });
      expect(t.client.apiUsage).to.equal(undefined);
      const before = t.client.requestsSent;
      const limits = await t.client.limits();
      // The test client speaks API 47.0: the batch allocation has its name before 49.0.
      expect(limits.DailyBulkApiRequests).to.deep.equal({ Max: 7, Remaining: 7 });
      expect(limits.DailyApiRequests?.Max).to.equal(50);
      expect(t.client.apiUsage).to.deep.equal({ used: 1, max: 50 });
      await t.client.describe('Account');
      expect(t.client.apiUsage).to.deep.equal({ used: 2, max: 50 });
      // A Bulk API v1 answer carries no Sforce-Limit-Info: the latest REST one stays.
      await t.client.createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
      expect(t.client.apiUsage).to.deep.equal({ used: 2, max: 50 });
      expect(t.client.requestsSent - before).to.equal(3);
    });

    it('a refusal over DailyApiRequests is a BulkApiError REQUEST_LIMIT_EXCEEDED, and its header is read too', async () => {
      t = await startTestOrg({ limits: { DailyApiRequests: 1 } });
      await t.client.limits();
      const err = await t.client.limits().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(BulkApiError);
      expect((err as BulkApiError).exceptionCode).to.equal('REQUEST_LIMIT_EXCEEDED');
      expect((err as BulkApiError).statusCode).to.equal(403);
      expect(t.client.apiUsage).to.deep.equal({ used: 1, max: 1 });
    });
  });
});
