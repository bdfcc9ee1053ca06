/**
 * The paging core of Bulk API 2.0 query results (server/query/result-pages.ts, result-locator.ts)
 * over rows stored in chunks (server/store/v2-query-store.ts): a page can start at any row, is cut
 * by rows and by bytes, and reads the same every time.
 */
import { expect } from 'chai';
import { locatorOf, rowOfLocator } from '../../server/query/result-locator.js';
import { pageEnd, pageRows } from '../../server/query/result-pages.js';
import { openDatabase } from '../../server/store/database.js';
import { V2QueryStore } from '../../server/store/v2-query-store.js';

/** Row i's line: its number, padded to a width that varies with i (so that bytes and rows differ). */
const line = (i: number) => `"${i}","${'x'.repeat(i % 7)}"\n`;

/** Stores rows [0, total) in chunks of `chunkRows`, as the result writer does. */
function storeRows(store: V2QueryStore, batchId: string, total: number, chunkRows: number): void {
  for (let first = 0; first < total; first += chunkRows) {
    const lines = Array.from({ length: Math.min(chunkRows, total - first) }, (_, k) => line(first + k));
    const offsets = Buffer.alloc((lines.length + 1) * 4);
    let at = 0;
    lines.forEach((l, k) => {
      at += Buffer.byteLength(l);
      offsets.writeUInt32LE(at, (k + 1) * 4);
    });
    store.add(batchId, first, lines.length, offsets, Buffer.from(lines.join('')));
  }
}

const text = (store: V2QueryStore, start: number, end: number) => Buffer.concat([...pageRows(store, 'b', start, end)]).toString('utf8');
const expected = (start: number, end: number) => Array.from({ length: end - start }, (_, k) => line(start + k)).join('');

describe('server/query/result-pages: pages of stored query rows', () => {
  const db = openDatabase(':memory:');
  const store = new V2QueryStore(db);
  storeRows(store, 'b', 2_345, 100);
  after(() => db.close());

  it('a page starting at any row, in or across chunks, holds exactly its rows', () => {
    for (const [start, max] of [
      [0, 10],
      [95, 10],
      [100, 100],
      [150, 1_000],
      [2_340, 100],
      [0, 5_000],
    ] as const) {
      const end = pageEnd(store, 'b', start, 2_345, { maxRecords: max, maxBytes: Number.MAX_SAFE_INTEGER });
      expect(end, `${start}+${max}`).to.equal(Math.min(2_345, start + max));
      expect(text(store, start, end)).to.equal(expected(start, end));
    }
  });

  it('walking pages cut by bytes gives every row once, each page within the bound (past its first row)', () => {
    const maxBytes = 777;
    let out = '';
    let pages = 0;
    for (let start = 0; start < 2_345; pages++) {
      const end = pageEnd(store, 'b', start, 2_345, { maxRecords: 500, maxBytes });
      expect(end).to.be.greaterThan(start);
      const page = text(store, start, end);
      expect(Buffer.byteLength(page)).to.be.at.most(maxBytes);
      // The next row would not have fitted.
      if (end < 2_345) expect(Buffer.byteLength(page) + Buffer.byteLength(line(end))).to.be.greaterThan(maxBytes);
      out += page;
      start = end;
    }
    expect(out).to.equal(expected(0, 2_345));
    expect(pages).to.be.greaterThan(2_345 / 500);
  });

  it('a page always holds its first row, however large', () => {
    expect(pageEnd(store, 'b', 6, 2_345, { maxRecords: 10, maxBytes: 1 })).to.equal(7);
  });

  it('the end of the result, and a batch with no rows', () => {
    expect(pageEnd(store, 'b', 2_345, 2_345, { maxRecords: 10, maxBytes: 1_000 })).to.equal(2_345);
    expect(pageEnd(store, 'none', 0, 0, { maxRecords: 10, maxBytes: 1_000 })).to.equal(0);
    expect([...pageRows(store, 'none', 0, 0)]).to.deep.equal([]);
  });

  it('locators: unpadded base64 of the row (the docs’ MTAwMDA is row 10000), and nothing else is one', () => {
    expect(locatorOf(10_000)).to.equal('MTAwMDA');
    expect(locatorOf(200_000)).to.equal('MjAwMDAw');
    for (const row of [0, 1, 9_999, 123_456_789]) expect(rowOfLocator(locatorOf(row))).to.equal(row);
    for (const bad of ['', 'null', 'MTAwMDA=', 'LTE', 'MDE', 'abc$', Buffer.from('1e3').toString('base64')]) expect(rowOfLocator(bad), bad).to.equal(undefined);
  });
});
