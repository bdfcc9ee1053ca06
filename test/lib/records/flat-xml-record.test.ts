/**
 * The XML fast path against sax: the same document read through the fast path (a plain root) and
 * through sax alone (a prefixed root, which the fast path leaves to sax) gives the same records.
 */
import { expect } from 'chai';
import { pipeline } from 'node:stream/promises';
import type { InputRecord } from '../../../lib/load-types.js';
import { readFlatXmlRecord } from '../../../lib/records/flat-xml-record.js';
import { RecordParser } from '../../../transforms/record-parser.js';
import { rejection } from '../../helpers/fixtures.js';
import { collector, fromChunks, splitAt } from '../../helpers/streams.js';

const NS = 'xmlns="http://www.force.com/2009/06/asyncapi/dataload" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

async function read(text: string, cuts: number[] = []): Promise<InputRecord[]> {
  const sink = collector<InputRecord>();
  await pipeline(fromChunks(splitAt(Buffer.from(text), cuts)), new RecordParser({ format: 'xml', source: 'test.xml' }), sink);
  return sink.items;
}

/** The same records, with a root the fast path declines: sax reads the whole document. */
const viaSax = (body: string) =>
  `<?xml version="1.0"?><d:sObjects xmlns:d="http://www.force.com/2009/06/asyncapi/dataload" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${body}</d:sObjects>`;
const viaFast = (body: string) => `<?xml version="1.0"?>\n<!-- export -->\n<sObjects ${NS}>${body}</sObjects>\n`;

describe('lib/records/flat-xml-record', () => {
  it('reads plain fields, empty and nil fields, parents (type skipped), entities and references', () => {
    const content =
      '<Name>A &amp; B &lt;x&gt; &quot;q&quot; &apos;s&apos; &#233;&#x1F600;</Name><Empty/><E2></E2><Gone xsi:nil="true"/><Account><type>Account</type><Ext__c>A-1</Ext__c></Account>';
    expect(readFlatXmlRecord(content, 0, content.length, 'xsi:nil')).to.deep.equal({ Name: 'A & B <x> "q" \'s\' é😀', Empty: '', E2: '', Gone: null, 'Account.Ext__c': 'A-1' });
  });

  it('declines what sax should judge', () => {
    for (const content of [
      '<Name><![CDATA[x]]></Name>',
      '<Name a="1">x</Name>',
      '<p:Name>x</p:Name>',
      '<Name>a\r\nb</Name>',
      '<Name>&nbsp;</Name>',
      '<Name>&#0;</Name>',
      '<A><B><C>x</C></B></A>',
      '<Name>x',
      '<Name>x</Other>',
      'text',
      '<Gone other:nil="true"/>',
    ]) {
      expect(readFlatXmlRecord(content, 0, content.length, 'xsi:nil'), content).to.equal(undefined);
    }
  });

  it('gives what sax gives on seeded random documents, split at random points', async () => {
    let seed = 3;
    const rand = (k: number) => (seed = (seed * 48271) % 2147483647) % k;
    const values = ['plain', 'a &amp; b', '&#x41;&#66;', '', '  spaced  ', 'multi\nline', 'ü 日本', '<![CDATA[<raw>]]>', 'x &gt; y'];
    for (let round = 0; round < 40; round++) {
      const records = Array.from({ length: 1 + rand(6) }, (_, r) => {
        const fields = Array.from({ length: 1 + rand(5) }, (_, f) => {
          const kind = rand(10);
          if (kind === 0) return `<N${f} xsi:nil="true"/>`;
          if (kind === 1) return `<P${f}><type>Account</type><Ext__c>${values[rand(values.length)]}</Ext__c></P${f}>`;
          if (kind === 2) return `<N${f}/>`;
          if (kind === 3 && round % 4 === 0) return `<N${f} attr="1">odd</N${f}>`; // sax from here on
          return `<N${f}>${values[rand(values.length)]}</N${f}>`;
        });
        return `${rand(3) === 0 ? '\n  <!-- c -->\n  ' : '\n'}<sObject>${fields.join(rand(2) ? '\n    ' : '')}</sObject>${r}`.replace(/\d$/, '');
      });
      const body = records.join('');
      const expected = (await read(viaSax(body))).map((r) => r.fields);
      const text = viaFast(body);
      const cuts = Array.from({ length: 3 }, () => rand(text.length));
      expect(
        (await read(text, cuts)).map((r) => r.fields),
        `round ${round}`,
      ).to.deep.equal(expected);
    }
  });

  it('a comment or CDATA hiding </sObject> goes to sax, which reads it right', async () => {
    const body = '<sObject><A>1</A></sObject><sObject><A><![CDATA[x</sObject>y]]></A></sObject><sObject><A>3</A><!-- </sObject> --></sObject>';
    expect((await read(viaFast(body))).map((r) => r.fields)).to.deep.equal((await read(viaSax(body))).map((r) => r.fields));
    expect((await read(viaFast(body))).map((r) => r.fields.A)).to.deep.equal(['1', 'x</sObject>y', '3']);
  });

  it('names lines, and leaves malformed documents to sax errors', async () => {
    const records = await read(`<sObjects ${NS}>\n<sObject><A>1</A></sObject>\n\n<sObject><A>2</A></sObject></sObjects>`);
    expect(records.map((r) => r.line)).to.deep.equal([2, 4]);
    for (const bad of [
      `<sObjects ${NS}><sObject><A>1</A></sObject>`,
      `<sObjects ${NS}></sObjects><extra/>`,
      `<sObjects ${NS}><record/></sObjects>`,
      '<!DOCTYPE x []><sObjects/>',
    ]) {
      expect(await rejection(read(bad)), bad).to.include({ code: 'BULK_PARSE', source: 'test.xml' });
    }
  });
});
