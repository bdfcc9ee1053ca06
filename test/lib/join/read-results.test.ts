import { expect } from 'chai';
import { readResultBlocks } from '../../../lib/join/read-results.js';
import type { DmlResult } from '../../../lib/types.js';
import { serializeDmlResults } from '../../../lib/wire/dml-results.js';
import { chunksOf, collect } from '../../helpers/fixtures.js';

describe('lib/join/read-results', () => {
  const results: DmlResult[] = Array.from({ length: 1100 }, (_, i) =>
    i % 3 === 0
      ? { id: null, success: false, created: false, errors: [{ statusCode: 'E', message: `bad ${i}`, fields: ['Name'] }] }
      : { id: `001000000000${String(i).padStart(3, '0')}AAA`, success: true, created: i % 2 === 0, errors: [] },
  );

  for (const format of ['csv', 'xml', 'json'] as const) {
    it(`reads ${format} results into blocks, errors in the CSV result form`, async () => {
      const body = [...serializeDmlResults(results, format)].join('');
      const blocks = await collect(readResultBlocks(chunksOf(body, 777), format, 'results'));
      const rows = blocks.flatMap((b) => Array.from({ length: b.count }, (_, i) => [b.id(i), b.success[i] === 1, b.created[i] === 1, b.errors[i] ?? '']));
      expect(rows).to.deep.equal(results.map((r) => [r.id, r.success, r.created, r.errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.join(',')} --`).join('\n')]));
    });
  }
});
