import { expect } from 'chai';
import { mapColumns, parseColumnMap } from '../../../lib/load/column-map.js';

describe('lib/load/column-map', () => {
  it('reads Data Loader .sdl lines and inline pairs', () => {
    expect([...parseColumnMap('#Mapping values\n#Tue Dec 01 2026\nACCOUNT\\ NAME=Name\nPHONE = Phone\n\n')]).to.deep.equal([
      ['ACCOUNT NAME', 'Name'],
      ['PHONE', 'Phone'],
    ]);
    expect([...parseColumnMap('Company=Name,Tel=Phone')]).to.deep.equal([
      ['Company', 'Name'],
      ['Tel', 'Phone'],
    ]);
    for (const bad of ['', 'Name', '=Name', 'A=B,A=C'])
      expect(() => parseColumnMap(bad), bad)
        .to.throw()
        .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('renames the columns it names, keeps the others, and refuses two columns of one name', () => {
    const map = parseColumnMap('Company=Name,Tel=Phone');
    expect(mapColumns(['Company', 'Tel', 'Industry'], map)).to.deep.equal(['Name', 'Phone', 'Industry']);
    expect(mapColumns(['Company'], undefined)).to.deep.equal(['Company']);
    expect(() => mapColumns(['Company', 'Name'], map))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
  });
});
