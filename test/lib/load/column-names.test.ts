import { expect } from 'chai';
import { parseColumnMap } from '../../../lib/load/column-map.js';
import { DuplicateColumnError } from '../../../lib/errors.js';
import { headerColumns } from '../../../lib/load/column-names.js';

describe('lib/load/column-names', () => {
  it('gives the header renamed by the map, and keeps it when the map names none of it', () => {
    expect(headerColumns(['Company', 'Tel'], parseColumnMap('Company=Name'), 'a.csv', 1)).to.deep.equal(['Name', 'Tel']);
    expect(headerColumns(['Name', 'Phone'], undefined, 'a.csv', 1)).to.deep.equal(['Name', 'Phone']);
  });

  it('refuses a field named twice regardless of case, or once mapped, naming the file, the line and both columns', () => {
    const cases: Array<[string[], string | undefined, [string, string], [number, number]]> = [
      [['Name', 'Phone', 'PHONE'], undefined, ['Phone', 'PHONE'], [2, 3]],
      [['Name', 'Phone', 'Name'], undefined, ['Name', 'Name'], [1, 3]],
      [['Name', 'Tel', 'phone'], 'Tel=Phone', ['Tel (mapped to Phone)', 'phone'], [2, 3]],
      [['Company', 'Firm'], 'Company=Name,Firm=NAME', ['Company (mapped to Name)', 'Firm (mapped to NAME)'], [1, 2]],
    ];
    for (const [names, map, columns, positions] of cases) {
      let err: unknown;
      try {
        headerColumns(names, map === undefined ? undefined : parseColumnMap(map), 'in.csv', 1);
      } catch (e) {
        err = e;
      }
      expect(err, names.join(',')).to.be.instanceOf(DuplicateColumnError);
      expect(err).to.include({ code: 'BULK_COLUMNS', source: 'in.csv', line: 1 });
      expect(err).to.have.deep.property('columns', columns);
      expect(err).to.have.deep.property('positions', positions);
      expect((err as Error).message).to.include(`in.csv, line 1: the header names the field`);
    }
  });

  it('keeps columns without a name (white space is none) as empty names, for the plan to drop; several of them are no field named twice (issue 27)', () => {
    expect(headerColumns(['Name', '', ' ', 'Phone'], undefined, 'in.csv', 1)).to.deep.equal(['Name', '', '', 'Phone']);
    expect(headerColumns(['Company', '', ''], parseColumnMap('Company=Name'), 'in.csv', 1)).to.deep.equal(['Name', '', '']);
    expect(() => headerColumns(['Name', '', 'NAME', ''], undefined, 'in.csv', 1)).to.throw(DuplicateColumnError);
  });
});
