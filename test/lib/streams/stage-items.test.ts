import { expect } from 'chai';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LoadSpool } from '../../../lib/load/load-spool.js';
import type { SpooledBatch } from '../../../lib/load-types.js';
import { itemKind, wrongStageItem } from '../../../lib/streams/stage-items.js';
import { BatchChunker } from '../../../transforms/batch-chunker.js';
import { BulkSubmitter } from '../../../transforms/bulk-submitter.js';
import { RecordReader } from '../../../transforms/record-reader.js';
import { rejection } from '../../helpers/fixtures.js';
import { useTestOrg } from '../../helpers/local-org.js';
import { collector } from '../../helpers/streams.js';

describe('lib/streams/stage-items', () => {
  const t = useTestOrg();

  it('tells the kinds of item apart', () => {
    expect(
      [Buffer.from('x'), 'x', { Name: 'A' }, { row: 1, fields: {} }, { kind: 'batch' }, { kind: 'submitted' }, { kind: 'finished' }, { kind: 'joined' }, null].map(itemKind),
    ).to.deep.equal(['bytes', 'bytes', 'object', 'record', 'batch', 'submitted', 'finished', 'joined', 'object']);
    expect(wrongStageItem('BatchChunker', ['record'], { row: 1, fields: {} })).to.equal(undefined);
  });

  it('a pipeline in the wrong order fails at the first stage given the wrong item, naming both sides', async () => {
    const submitter = new BulkSubmitter({ client: t.org.client, job: { object: 'Account', operation: 'insert', contentType: 'CSV' } });
    const err = await rejection(
      pipeline(Readable.from([{ Name: 'A' }]), new RecordReader(), submitter, new BatchChunker({ contentType: 'CSV', spool: new LoadSpool() }), collector()),
    );
    expect(err).to.include({ code: 'BULK_PIPELINE' });
    expect(err.message).to.equal(
      'BulkSubmitter takes items from BatchChunker or CsvBatchSplitter (a SpooledBatch) or BulkSubmitter or IngestJobSubmitter (a SubmittedBatch), but got one from RecordParser, RecordReader or DateConverter (an InputRecord): check the order of the stages before BulkSubmitter',
    );
    expect(submitter.job).to.equal(undefined);
  });

  it('stage events are typed', () => {
    const chunker = new BatchChunker({ contentType: 'CSV', spool: new LoadSpool() });
    // Compile-time checks: each listener gets its event's own types (npm test type-checks this file).
    chunker.on('batch', (batch: SpooledBatch) => expect(batch.records).to.be.a('number'));
    chunker.once('rejected', (entry) => expect(entry.row).to.be.a('number'));
    chunker.on('columns', (plan, notice) => expect(plan.upload.length + (notice?.length ?? 0)).to.be.a('number'));
    expect(chunker.listenerCount('batch')).to.equal(1);
  });
});
