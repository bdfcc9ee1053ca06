import { expect } from 'chai';
import { parseBatchInfo, readBatchInfoList, serializeBatchInfo, serializeBatchInfoList } from '../../../lib/wire/batch-info.js';
import type { BatchInfo } from '../../../lib/types.js';
import { chunksOf, collect, rejection, fillTemplate, wireFixture } from '../../helpers/fixtures.js';

describe('lib/wire/batch-info', () => {
  it('parses recorded batchInfo documents', () => {
    const queued = parseBatchInfo(wireFixture('jetstream_batchInfo_queued_v65.xml'), 'xml');
    expect(queued).to.include({ id: '751Kf000018uaV7IAI', jobId: '750Kf00000R1wzRIAR', state: 'Queued', numberRecordsProcessed: 0 });
    const done = parseBatchInfo(wireFixture('jetstream_batchInfo_completed_v65.xml'), 'xml');
    expect(done).to.include({ state: 'Completed', numberRecordsProcessed: 251, numberRecordsFailed: 251, totalProcessingTime: 741 });
    expect(done.systemModstamp.toISOString()).to.equal('2026-02-12T15:44:06.000Z');
  });

  it('reads the stateMessage of a Failed batch', () => {
    const failed = parseBatchInfo(wireFixture('batchInfo_failed_field_not_found_jorgevaldivia.xml'), 'xml');
    expect(failed).to.include({ state: 'Failed', stateMessage: 'InvalidBatch : Field name not found : An_Awesome_Field__c' });
  });

  it('writes batchInfo byte for byte as recorded', () => {
    for (const name of ['jetstream_batchInfo_queued_v65.xml', 'jetstream_batchInfo_completed_v65.xml']) {
      const recorded = wireFixture(name);
      expect(serializeBatchInfo(parseBatchInfo(recorded, 'xml'), 'xml')).to.equal(recorded);
    }
    const tpl = fillTemplate('cumulusci_batchInfo.xml.tpl', {
      id: '751P0000009ZxXXIA0',
      jobId: '750P0000006HoSQIA0',
      state: 'Queued',
      cdate: '2022-10-20T16:46:33.000Z',
      smts: '2022-10-20T16:46:33.000Z',
    });
    expect(serializeBatchInfo(parseBatchInfo(tpl, 'xml'), 'xml')).to.equal(tpl);
  });

  it('writes NotProcessed without a space and reads the documented spelling with one', () => {
    const queued = wireFixture('jetstream_batchInfo_queued_v65.xml');
    const batch = parseBatchInfo(queued.replace('<state>Queued</state>', '<state>Not Processed</state>'), 'xml');
    expect(batch.state).to.equal('NotProcessed');
    expect(serializeBatchInfo(batch, 'xml')).to.equal(queued.replace('<state>Queued</state>', '<state>NotProcessed</state>'));
    expect(() => parseBatchInfo(queued.replace('<state>Queued</state>', '<state>Done</state>'), 'xml'))
      .to.throw()
      .with.property('field', 'state');
  });

  it('puts stateMessage right after state', () => {
    const failed = parseBatchInfo(wireFixture('batchInfo_failed_field_not_found_jorgevaldivia.xml'), 'xml');
    expect(serializeBatchInfo(failed, 'xml')).to.contain(
      ' <state>Failed</state>\n <stateMessage>InvalidBatch : Field name not found : An_Awesome_Field__c</stateMessage>\n <createdDate>',
    );
  });

  it('writes JSON batchInfo as recorded (compact, alphabetical, stateMessage null)', () => {
    const recorded =
      '{"apexProcessingTime":0,"apiActiveProcessingTime":0,"createdDate":"2024-11-21T08:31:31.000+0000","id":"7519H000001XiCzQAK","jobId":"7509H0000016GUXQA2","numberRecordsFailed":0,"numberRecordsProcessed":0,"state":"Queued","stateMessage":null,"systemModstamp":"2024-11-21T08:31:31.000+0000","totalProcessingTime":0}';
    const batch = parseBatchInfo(recorded, 'json');
    expect(batch.stateMessage).to.equal(undefined);
    expect(serializeBatchInfo(batch, 'json')).to.equal(recorded);
  });

  describe('batchInfoList', () => {
    it('writes the recorded layouts: nested children, empty list self-closing', () => {
      const recorded = wireFixture('jetstream_batchInfoList_single_v65.xml');
      const batches = [parseBatchInfo(wireFixture('jetstream_batchInfo_completed_v65.xml'), 'xml')];
      expect(serializeBatchInfoList(batches, 'xml')).to.equal(recorded);
      expect(serializeBatchInfoList([], 'xml')).to.equal('<?xml version="1.0" encoding="UTF-8"?><batchInfoList\n   xmlns="http://www.force.com/2009/06/asyncapi/dataload" />');
    });

    it('reads lists incrementally, whatever the chunk size, in both formats', async () => {
      const base = parseBatchInfo(wireFixture('jetstream_batchInfo_completed_v65.xml'), 'xml');
      const batches: BatchInfo[] = Array.from({ length: 40 }, (_, i) => ({
        ...base,
        id: `751Kf000018ua${String(i).padStart(2, '0')}IAI`,
        numberRecordsProcessed: i,
        ...(i % 7 === 0 ? { state: 'Failed' as const, stateMessage: `InvalidBatch : é ${i}` } : {}),
      }));
      for (const format of ['xml', 'json'] as const) {
        const text = serializeBatchInfoList(batches, format);
        for (const size of [1, 7, 64, 100_000]) {
          const read = await collect(readBatchInfoList(chunksOf(text, size), format));
          expect(read, `${format} / ${size}`).to.deep.equal(batches);
        }
      }
    });

    it('reads the empty list and the CumulusCI template', async () => {
      expect(await collect(readBatchInfoList(chunksOf(serializeBatchInfoList([], 'xml'), 5), 'xml'))).to.deep.equal([]);
      expect(await collect(readBatchInfoList(chunksOf('{"batchInfo":[]}', 3), 'json'))).to.deep.equal([]);
      const tpl = fillTemplate('cumulusci_batchInfoList.xml.tpl', {
        id: '751P0000009ZxXXIA0',
        jobId: '750P0000006HoSQIA0',
        state: 'InProgress',
        cdate: '2022-10-20T16:46:33.000Z',
        smts: '2022-10-20T16:46:33.000Z',
      });
      const [one] = await collect(readBatchInfoList(chunksOf(tpl, 50), 'xml'));
      expect(one).to.include({ state: 'InProgress', jobId: '750P0000006HoSQIA0' });
    });

    it('fails clearly on a truncated list', async () => {
      const text = serializeBatchInfoList([parseBatchInfo(wireFixture('jetstream_batchInfo_completed_v65.xml'), 'xml')], 'xml');
      for (const format of ['xml', 'json'] as const) {
        const body = format === 'xml' ? text.slice(0, 300) : '{"batchInfo":[{"id":"x"';
        const err = await rejection(collect(readBatchInfoList(chunksOf(body, 16), format)));
        expect(err).to.include({ code: 'BULK_PARSE', source: 'batchInfoList' });
      }
    });
  });
});
