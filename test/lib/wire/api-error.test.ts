import { expect } from 'chai';
import { parseApiError, serializeApiError } from '../../../lib/wire/api-error.js';
import { wireFixture } from '../../helpers/fixtures.js';

describe('lib/wire/api-error', () => {
  it('parses the recorded error (single-line form)', () => {
    expect(parseApiError(wireFixture('jetstream_error_invalidbatch.xml'), 'xml')).to.deep.equal({
      exceptionCode: 'InvalidBatch',
      exceptionMessage: 'Records not found for this batch',
    });
  });

  it('writes the server layout with InvalidSessionId matchable by jsforce', () => {
    const xml = serializeApiError({ exceptionCode: 'InvalidSessionId', exceptionMessage: 'Invalid session id' }, 'xml');
    expect(xml).to.equal(
      '<?xml version="1.0" encoding="UTF-8"?><error\n   xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n <exceptionCode>InvalidSessionId</exceptionCode>\n <exceptionMessage>Invalid session id</exceptionMessage>\n</error>',
    );
    expect(xml.includes('<exceptionCode>InvalidSessionId</exceptionCode>')).to.equal(true);
  });

  it('round-trips both formats, escaping markup', () => {
    const error = { exceptionCode: 'InvalidBatch', exceptionMessage: 'Field <x> & "y" not found' };
    for (const format of ['xml', 'json'] as const) expect(parseApiError(serializeApiError(error, format), format)).to.deep.equal(error);
    expect(serializeApiError(error, 'json')).to.equal('{"exceptionCode":"InvalidBatch","exceptionMessage":"Field <x> & \\"y\\" not found"}');
  });

  it('accepts a JSON error wrapped in an array', () => {
    expect(parseApiError('[{"exceptionCode":"InvalidJob","exceptionMessage":"no"}]', 'json')).to.deep.equal({ exceptionCode: 'InvalidJob', exceptionMessage: 'no' });
  });

  it('rejects a document that is not an error', () => {
    expect(() => parseApiError(wireFixture('jetstream_batchInfo_queued_v65.xml'), 'xml')).to.throw(/expected <error>/);
  });
});
