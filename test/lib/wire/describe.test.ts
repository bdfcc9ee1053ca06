import { expect } from 'chai';
import { parseGlobalDescribe, parseSObjectDescribe } from '../../../lib/wire/describe.js';

describe('lib/wire/describe', () => {
  it('reads a describe in the REST shape, ignoring what it does not use, with defaults for what is missing', () => {
    const doc = parseSObjectDescribe(
      JSON.stringify({
        name: 'Account',
        label: 'Account',
        keyPrefix: '001',
        custom: false,
        createable: true,
        updateable: true,
        deletable: true,
        queryable: true,
        urls: {},
        fields: [
          {
            name: 'Type',
            type: 'picklist',
            length: 255,
            nillable: true,
            picklistValues: [
              { value: 'Prospect', label: 'Prospect', active: true, defaultValue: false },
              { value: 'Old', active: false },
            ],
          },
          { name: 'ParentId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Parent' },
          { name: 'Plain', type: 'string' },
        ],
      }),
    );
    expect(doc).to.include({ name: 'Account', keyPrefix: '001', createable: true });
    expect(doc.fields[0]?.picklistValues).to.deep.equal([
      { value: 'Prospect', label: 'Prospect', active: true, defaultValue: false },
      { value: 'Old', label: 'Old', active: false, defaultValue: false },
    ]);
    expect(doc.fields[1]).to.deep.include({ referenceTo: ['Account'], relationshipName: 'Parent' });
    expect(doc.fields[2]).to.include({ label: 'Plain', length: 0, nillable: false, relationshipName: null });
    expect(parseGlobalDescribe('{"encoding":"UTF-8","maxBatchSize":200,"sobjects":[{"name":"Account"}]}').sobjects[0]).to.include({ name: 'Account', keyPrefix: null });
  });

  it('refuses documents without the essentials', () => {
    for (const bad of ['[]', 'nope', '{"name":"A"}', '{"name":"A","fields":[{"name":"x"}]}'])
      expect(() => parseSObjectDescribe(bad))
        .to.throw()
        .with.property('code', 'BULK_PARSE');
    expect(() => parseGlobalDescribe('{}'))
      .to.throw()
      .with.property('code', 'BULK_PARSE');
  });
});
