import { expect } from 'chai';
import { readResultList, serializeResultList } from '../../../lib/wire/result-list.js';
import { chunksOf, collect, rejection, wireFixture } from '../../helpers/fixtures.js';

describe('lib/wire/result-list', () => {
  it('reads the recorded XML result-list', async () => {
    expect(await collect(readResultList(chunksOf(wireFixture('jetstream_result-list_single_v65.xml'), 10), 'xml'))).to.deep.equal(['752Kf000018uaV9IAI']);
  });

  it('writes the recorded layout', () => {
    expect(serializeResultList(['752Kf000018uaV9IAI'], 'xml')).to.equal(wireFixture('jetstream_result-list_single_v65.xml'));
  });

  it('reads and writes the recorded JSON form', async () => {
    expect(serializeResultList(['7529H000000xO6L'], 'json')).to.equal('["7529H000000xO6L"]');
    expect(await collect(readResultList(chunksOf('["7529H000000xO6L","7529H000000xO6M"]', 4), 'json'))).to.deep.equal(['7529H000000xO6L', '7529H000000xO6M']);
  });

  it('round-trips several ids and the empty list', async () => {
    const ids = ['752x00000004CJE', '752x00000004CJF', '752x00000004CJG'];
    for (const format of ['xml', 'json'] as const) {
      expect(await collect(readResultList(chunksOf(serializeResultList(ids, format), 3), format))).to.deep.equal(ids);
      expect(await collect(readResultList(chunksOf(serializeResultList([], format), 3), format))).to.deep.equal([]);
    }
  });

  it('rejects a JSON list of non-strings', async () => {
    const err = await rejection(collect(readResultList(chunksOf('[1,2]', 10), 'json')));
    expect(err).to.have.property('code', 'BULK_PARSE');
  });
});
