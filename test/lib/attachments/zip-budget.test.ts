import { expect } from 'chai';
import { deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { entryBound, ZipBudget, zipBound } from '../../../lib/attachments/zip-budget.js';

const file = (entry: string, size: number) => ({ entry, path: `/x/${entry}`, size });

describe('lib/attachments/zip-budget', () => {
  it('bounds an entry above what deflate makes of incompressible data', () => {
    for (const size of [0, 1, 1000, 65_536, 1_000_000]) {
      const data = randomBytes(size);
      // The headers take 174 bytes and the name twice; the rest is for the data.
      expect(entryBound('f', size) - 176, `${size} bytes`).to.be.at.least(deflateRawSync(data).length);
    }
  });

  it('holds at most maxFiles files, each once however many records name it', () => {
    const budget = new ZipBudget({ maxFiles: 2, maxBytes: 10_000_000 });
    expect(budget.fits([file('a', 1)], 100)).to.equal(true);
    budget.add([file('a', 1)]);
    budget.add([file('a', 1), file('a', 1)]);
    expect(budget.files).to.equal(1);
    expect(budget.fits([file('b', 1), file('b', 1)], 100)).to.equal(true);
    budget.add([file('b', 1)]);
    expect(budget.fits([file('a', 1)], 100)).to.equal(true); // already in
    expect(budget.fits([file('c', 1)], 100)).to.equal(false);
    expect(budget.take().map((f) => f.entry)).to.deep.equal(['a', 'b']);
    expect(budget.files).to.equal(0);
    expect(budget.fits([file('c', 1)], 100)).to.equal(true);
  });

  it('counts the manifest and every file against the zip size', () => {
    const budget = new ZipBudget({ maxFiles: 1000, maxBytes: 1_000_000 });
    budget.add([file('a', 600_000)]);
    expect(budget.fits([file('b', 300_000)], 1000)).to.equal(true);
    expect(budget.fits([file('b', 300_000)], 200_000)).to.equal(false); // the manifest counts too
    expect(budget.fits([file('b', 450_000)], 1000)).to.equal(false);
    expect(zipBound(1000, [file('a', 600_000), file('b', 300_000)])).to.be.below(1_000_000);
  });

  it('bounds files by their size before compression: 10 MB of them at most, however well they compress', () => {
    const budget = new ZipBudget({ maxFiles: 1000, maxBytes: 10_000_000 });
    budget.add([file('a', 9_000_000)]);
    expect(budget.fits([file('b', 900_000)], 1000)).to.equal(true);
    expect(budget.fits([file('b', 1_000_000)], 1000)).to.equal(false);
  });
});
