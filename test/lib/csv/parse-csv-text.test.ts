import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { parseCsvText } from '../../../lib/csv/parse-csv-text.js';

function records(text: string): Array<[string[], number]> {
  const out: Array<[string[], number]> = [];
  parseCsvText(text, (fields, line) => out.push([fields, line]));
  return out;
}

describe('lib/csv/parse-csv-text', () => {
  it('reads quoted fields, doubled quotes, embedded newlines and commas, CRLF, and skips empty lines', () => {
    expect(records('a,b\r\n"x, y","say ""hi"""\n\n"multi\nline",\n')).to.deep.equal([
      [['a', 'b'], 1],
      [['x, y', 'say "hi"'], 2],
      [['multi\nline', ''], 4],
    ]);
  });

  it('reads a last line without a line end, empty fields and an empty quoted field', () => {
    expect(records(',,""\nz')).to.deep.equal([
      [['', '', ''], 1],
      [['z'], 2],
    ]);
  });

  it('skips an empty line but reads a line of "" as a record with one empty value', () => {
    expect(records('a\n""\n\r\n\nb\n')).to.deep.equal([
      [['a'], 1],
      [[''], 2],
      [['b'], 5],
    ]);
  });

  it('agrees with csv-parse on a seeded mix of awkward values', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['a', 'Zoë', ',', '"', '\n', '\r\n', ' ', '日本', ''];
    const rows = Array.from({ length: 200 }, () =>
      Array.from({ length: 4 }, () => Array.from({ length: Math.floor(rand() * 4) }, () => pieces[Math.floor(rand() * pieces.length)]).join('')),
    );
    const text = `${rows.map((r) => r.map((v) => (/[",\r\n]/.test(v) || v === '' ? `"${v.replaceAll('"', '""')}"` : v)).join(',')).join('\n')}\n`;
    const ours = records(text).map(([f]) => f);
    expect(ours).to.deep.equal(parse(text, { relax_column_count: true }) as string[][]);
  });

  it('names the line of an unterminated quote or a stray quote', () => {
    expect(() => records('a\n"open\nstill open'))
      .to.throw()
      .with.property('line', 2);
    expect(() => records('a\nb"c\n'))
      .to.throw()
      .with.property('line', 2);
    expect(() => records('"a"b\n'))
      .to.throw()
      .with.property('code', 'BULK_PARSE');
  });
});
