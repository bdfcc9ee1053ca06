/**
 * The exactly-once soak's counting (benchmarks/_util/exactly-once-rows.ts): its figures are what
 * issue 22 is judged by, so a row lost, doubled, damaged or altered must show in them.
 */
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RowTally, compare, tallyOutput, writeInput, type InputShape } from '../../benchmarks/_util/exactly-once-rows.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('benchmarks/exactly-once-rows', () => {
  const tmp = useTempDir('bulkpipe-eo-rows-');
  const shape: InputShape = { prefix: 'T1x', rows: 200, eol: '\r\n', bom: true };

  it('writes an input that reads back whole, BOM, CRLF and multi-line fields included, and counts as itself', async () => {
    const path = join(tmp.path, 'in.csv');
    const bytes = await writeInput(path, shape);
    const text = await readFile(path);
    expect(text.length).to.equal(bytes);
    expect([...text.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const rows = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).to.have.length(200);
    expect(rows[6]?.Description).to.equal('first line 7,\r\nsecond "line", 7');
    const tally = await tallyOutput(path, shape);
    expect({ total: tally.total, stray: tally.stray, altered: tally.altered, missing: tally.missing }).to.deep.equal({ total: 200, stray: 0, altered: 0, missing: false });
    expect([...tally.counts.subarray(1)].every((n) => n === 1)).to.equal(true);
  });

  it('counts a damaged row as stray and a changed value as altered; a missing file counts nothing', async () => {
    const path = join(tmp.path, 'errors.csv');
    await writeFile(path, 'Name,NumberOfEmployees,Description,Phone,sf__Error\nT1x1,1,plain 1,555-0001,e\n,,,,"InvalidBatch : Failed to parse CSV"\nT1x2,2,changed,555-0002,e\n');
    const tally = await tallyOutput(path, shape);
    expect({ total: tally.total, stray: tally.stray, altered: tally.altered }).to.deep.equal({ total: 3, stray: 1, altered: 1 });
    const none = await tallyOutput(join(tmp.path, 'none.csv'), shape);
    expect({ total: none.total, missing: none.missing }).to.deep.equal({ total: 0, missing: true });
  });

  it('compares: rows in no output, org records no success accounts for, doubles, phantoms', () => {
    const small: InputShape = { ...shape, rows: 10 };
    const success = new RowTally(small);
    const errors = new RowTally(small);
    const org = new RowTally(small);
    for (const row of [1, 2, 3, 3, 4, 6, 7, 8]) success.add(`T1x${row}`);
    errors.add('T1x10');
    errors.add('T1x4');
    for (const row of [1, 2, 3, 4, 5, 5, 6, 7]) org.add(`T1x${row}`);
    org.add('T2x1');
    const counts = compare(small, success, errors, org);
    // Lost: 5 and 9 in no output, and 5 in the org with no success row. Duplicated: 3 twice in success,
    // 4 in both outputs, 5 twice in the org. Phantom: 8 succeeded but is not in the org. Stray: T2x1.
    expect(counts).to.deep.include({ input: 10, success: 8, errors: 2, org: 9, lost: 3, duplicated: 3, phantom: 1, stray: 1, altered: 0, goodInErrors: 2 });
  });
});
