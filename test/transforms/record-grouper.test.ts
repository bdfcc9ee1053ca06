/** RecordGrouper: validation, grouped and renumbered records through a pipeline, a stop that drops the open window or keeps it, the wrong stage item, the column check failing the stream. */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InputRecord } from '../../lib/load-types.js';
import { RecordGrouper, recordGrouper } from '../../transforms/record-grouper.js';
import { rejection } from '../helpers/fixtures.js';
import { collector } from '../helpers/streams.js';

const records = (parents: readonly string[]): InputRecord[] => parents.map((p, i) => ({ row: i + 1, fields: { Name: `n${i + 1}`, AccountId: p } }));

describe('transforms/record-grouper', () => {
  it('validates its options in the constructor', () => {
    expect(() => recordGrouper({ field: '' }))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
    expect(() => new RecordGrouper({ field: 'A', maxRecords: -1 }))
      .to.throw()
      .with.property('code', 'BULK_INVALID_OPTION');
  });

  it('gives out each window grouped, renumbered, with the input rows kept; the last window at the end', async () => {
    const sink = collector<InputRecord>();
    await pipeline(Readable.from(records(['b', 'a', 'b', 'a', 'c'])), recordGrouper({ field: 'AccountId', maxRecords: 4 }), sink);
    expect(sink.items.map((r) => [r.row, r.sourceRow])).to.deep.equal([
      [1, 2],
      [2, 4],
      [3, 1],
      [4, 3],
      [5, 5],
    ]);
  });

  it('a stop drops the open window when the run says so as the input ends, and keeps it otherwise', async () => {
    for (const drops of [true, false]) {
      const grouper = new RecordGrouper({ field: 'AccountId', maxRecords: 4 });
      grouper.endAtWindow(() => drops);
      const sink = collector<InputRecord>();
      await pipeline(Readable.from(records(['b', 'a', 'b', 'a', 'c', 'a'])), grouper, sink);
      expect(sink.items.map((r) => r.sourceRow)).to.deep.equal(drops ? [2, 4, 1, 3] : [2, 4, 1, 3, 6, 5]);
    }
  });

  it('fails the stream on an item that is no record, and on a field that is not a column', async () => {
    expect(await rejection(pipeline(Readable.from([{ kind: 'batch', seq: 0 }]), recordGrouper({ field: 'AccountId' }), collector()))).to.have.property('code', 'BULK_PIPELINE');
    expect(await rejection(pipeline(Readable.from(records(['a'])), recordGrouper({ field: 'ParentId' }), collector()))).to.have.property('code', 'BULK_COLUMNS');
  });
});
