/** countingRecords: the bytes unchanged, the records counted quote-aware, across chunk edges. */
import { expect } from 'chai';
import { countingRecords } from '../../../lib/csv/count-records.js';

async function count(parts: string[]): Promise<{ text: string; records: number }> {
  let records = -1;
  let text = '';
  for await (const chunk of countingRecords(
    (async function* () {
      for (const p of parts) yield Buffer.from(p);
    })(),
    (n) => (records = n),
  ))
    text += chunk.toString();
  return { text, records };
}

describe('lib/csv/count-records', () => {
  it('counts records, not lines: a quoted line break is inside one; a last record without a line end counts; chunk edges anywhere', async () => {
    expect(await count(['"Id","Name"\n"1","a\nb"\n"2","c"\n'])).to.deep.equal({ text: '"Id","Name"\n"1","a\nb"\n"2","c"\n', records: 3 });
    expect((await count(['"Id"\n"1"\n"2"'])).records).to.equal(3);
    expect((await count(['"Id"\r', '\n"1', '"\r\n"2","x\r', '\ny"\r\n'])).records).to.equal(3);
    expect((await count(['"Id"\n'])).records).to.equal(1);
    expect((await count([])).records).to.equal(0);
  });
});
