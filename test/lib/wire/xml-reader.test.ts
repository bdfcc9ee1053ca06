import { expect } from 'chai';
import { parseXmlDocument, readXmlElements } from '../../../lib/wire/xml-reader.js';
import { chunksOf, collect, rejection, wireFixture } from '../../helpers/fixtures.js';

describe('lib/wire/xml-reader', () => {
  it('hands out elements at every byte split, multi-byte UTF-8 and CRLF included', async () => {
    const doc =
      '<?xml version="1.0" encoding="UTF-8"?>\r\n<r xmlns="urn:x"><a>Zoë 日本</a><a><![CDATA[<raw & text>]]></a><a x:nil="true" xmlns:x="http://www.w3.org/2001/XMLSchema-instance"/></r>';
    for (let size = 1; size <= 12; size++) {
      const items = await collect(readXmlElements(chunksOf(doc, size), { source: 't', depth: 2 }));
      expect(
        items.map((e) => [e.name, e.text, e.nil]),
        `chunk ${size}`,
      ).to.deep.equal([
        ['a', 'Zoë 日本', false],
        ['a', '<raw & text>', false],
        ['a', '', true],
      ]);
    }
  });

  it('matches by local name whatever the prefix, and keeps the namespace', () => {
    const root = parseXmlDocument('<p:jobInfo xmlns:p="http://www.force.com/2009/06/asyncapi/dataload"><p:id>1</p:id></p:jobInfo>', { source: 't', rootNames: ['jobInfo'] });
    expect(root.name).to.equal('jobInfo');
    expect(root.uri).to.equal('http://www.force.com/2009/06/asyncapi/dataload');
    expect(root.children[0]?.text).to.equal('1');
  });

  it('reads the recorded queryResult with its duplicated Id and nil fields', async () => {
    const records = await collect(readXmlElements(chunksOf(wireFixture('seiun_queryResult_xml.xml'), 33), { source: 'queryResult', rootNames: ['queryResult'], depth: 2 }));
    expect(records).to.have.length(2);
    expect(records[0]?.children.filter((c) => c.name === 'Id').map((c) => c.text)).to.deep.equal(['70128000000ax3UAAQ', '70128000000ax3UAAQ']);
    expect(records[0]?.children.find((c) => c.name === 'NullField__c')?.nil).to.equal(true);
    expect(records[0]?.attributes.type).to.equal('sObject');
  });

  it('refuses unknown entities, a wrong root, truncation and oversized elements', async () => {
    expect(() => parseXmlDocument('<a>&nbsp;</a>', { source: 't' }))
      .to.throw()
      .with.property('code', 'BULK_PARSE');
    expect(() => parseXmlDocument('<batchInfo/>', { source: 't', rootNames: ['jobInfo'] })).to.throw(/expected <jobInfo>/);
    expect(() => parseXmlDocument('<a><b>', { source: 't' }))
      .to.throw()
      .with.property('code', 'BULK_PARSE');
    expect(() => parseXmlDocument('', { source: 't' }))
      .to.throw()
      .with.property('code', 'BULK_PARSE');
    const err = await rejection(collect(readXmlElements(chunksOf(`<r><a>${'x'.repeat(5000)}</a></r>`, 100), { source: 'big', depth: 2, maxElementChars: 1000 })));
    expect(err).to.include({ code: 'BULK_PARSE', source: 'big' });
  });
});
