import { expect } from 'chai';
import { formatResultErrors, parseResultErrors, readDmlResults, serializeDmlResults } from '../../../lib/wire/dml-results.js';
import type { DmlResult } from '../../../lib/types.js';
import { chunksOf, collect, rejection, wireFixture } from '../../helpers/fixtures.js';

function section(title: string): string {
  const text = wireFixture('docs_csv_results_and_pkchunk_batchlist.md');
  const start = text.indexOf(title) + title.length + 1;
  return text.slice(start, text.indexOf('\n\n', start));
}

describe('lib/wire/dml-results', () => {
  const csv = `${section('DML result, CSV batch (GET .../batch/{batchId}/result, Content-Type text/csv):')}\n`;
  const recorded: DmlResult[] = [
    { id: '003D000000Q89kQIAR', success: true, created: true, errors: [] },
    { id: '003D000000Q89kRIAR', success: true, created: true, errors: [] },
    { id: null, success: false, created: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] }] },
  ];

  it('reads the documented CSV result at every chunk boundary', async () => {
    for (let size = 1; size <= csv.length; size += 3) {
      expect(await collect(readDmlResults(chunksOf(csv, size), 'csv')), `chunk ${size}`).to.deep.equal(recorded);
    }
  });

  it('writes the documented CSV result byte for byte', () => {
    expect([...serializeDmlResults(recorded, 'csv')].join('')).to.equal(csv);
  });

  it('reads the documented XML and JSON results', async () => {
    const xml = await collect(readDmlResults(chunksOf(section('DML result, XML batch:'), 13), 'xml'));
    expect(xml).to.deep.equal([
      { id: '001D000000ISUr3IAH', success: true, created: true, errors: [] },
      { id: '001D000000ISUr4IAH', success: true, created: true, errors: [] },
    ]);
    const json = await collect(readDmlResults(chunksOf(section('DML result, JSON batch:'), 13), 'json'));
    expect(json.map((r) => r.id)).to.deep.equal(['001xx000003DHP0AAO', '001xx000003DHP1AAO']);
  });

  it('round-trips all formats, with errors, fields, quotes and non-ASCII', async () => {
    const results: DmlResult[] = [
      ...recorded,
      { id: '001D000000ISUr3IAH', success: true, created: false, errors: [] },
      { id: null, success: false, created: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] },
      { id: null, success: false, created: false, errors: [{ statusCode: 'STRING_TOO_LONG', message: 'Name: data value too large: "Ça, <&> va"', fields: ['Name', 'Site'] }] },
    ];
    for (const format of ['csv', 'xml', 'json'] as const) {
      const text = [...serializeDmlResults(results, format)].join('');
      expect(await collect(readDmlResults(chunksOf(text, 11), format)), format).to.deep.equal(results);
      expect(await collect(readDmlResults(chunksOf([...serializeDmlResults([], format)].join(''), 4), format)), `${format} empty`).to.deep.equal([]);
    }
  });

  it('writes failed XML rows with errors first and no id (WSC order)', () => {
    const [, row] = [...serializeDmlResults([recorded[2] as DmlResult], 'xml')];
    expect(row).to.equal(
      '  <result>\n    <errors>\n      <fields>LastName</fields>\n      <message>Required fields are missing: [LastName]</message>\n      <statusCode>REQUIRED_FIELD_MISSING</statusCode>\n    </errors>\n    <success>false</success>\n    <created>false</created>\n  </result>\n',
    );
  });

  it('formats and parses error cells as Salesforce writes them', () => {
    const cases = [
      'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --',
      'ENTITY_IS_DELETED:entity is deleted:--',
      "INVALID_FIELD:Failed to deserialize field at col 4. Due to, '6/15/19' is not a valid value for the type xsd:date:Trip_End_Date__c --",
    ];
    for (const text of cases) expect(formatResultErrors(parseResultErrors(text))).to.equal(text);
    expect(parseResultErrors(cases[2] as string)[0]).to.deep.include({ statusCode: 'INVALID_FIELD', fields: ['Trip_End_Date__c'] });
  });

  it('fails on a CSV result without the Success column', async () => {
    const err = await rejection(collect(readDmlResults(chunksOf('"a","b"\n"1","2"\n', 5), 'csv')));
    expect(err).to.have.property('code', 'BULK_PARSE');
  });
});
