/** The body of a 2.0 upload: the payloads joined under one header, every record end outside quotes sent as LF. */
import { expect } from 'chai';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LfRecordEnds, ingestUploadStream, uploadDigest } from '../../../lib/load/ingest-upload-body.js';
import { useTempDir } from '../../helpers/temp-dir.js';
import { random as seededRandom } from '../../../benchmarks/_util/random.js';

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

/** The body as it was made before a payload without a CR skipped the scan (commit 4bd5fb1): every chunk through the state machine. */
class OldLfRecordEnds {
  #at = 0;
  #afterCr = false;

  convert(chunk: Buffer): Buffer {
    let out: Buffer | undefined;
    let used = 0;
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (this.#afterCr) {
        this.#afterCr = false;
        if (c === 0x0a) {
          out ??= Buffer.allocUnsafe(chunk.length);
          used += chunk.copy(out, used, from, i);
          from = i + 1;
          continue;
        }
      }
      switch (this.#at) {
        case 2:
          if (c === 0x22) this.#at = 3;
          continue;
        case 3:
          if (c === 0x22) {
            this.#at = 2;
            continue;
          }
          break;
        case 0:
          if (c === 0x22) {
            this.#at = 2;
            continue;
          }
          break;
        case 1:
          break;
      }
      if (c === 0x2c) this.#at = 0;
      else if (c === 0x0a) this.#at = 0;
      else if (c === 0x0d) {
        this.#at = 0;
        this.#afterCr = true;
        out ??= Buffer.allocUnsafe(chunk.length);
        used += chunk.copy(out, used, from, i);
        out[used++] = 0x0a;
        from = i + 1;
      } else this.#at = 1;
    }
    if (!out) return chunk;
    used += chunk.copy(out, used, from, chunk.length);
    return out.subarray(0, used);
  }
}

async function oldBody(paths: readonly string[], readBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const [i, path] of paths.entries()) {
    let inHeader = i > 0;
    const ends = new OldLfRecordEnds();
    for await (const read of createReadStream(path, { highWaterMark: readBytes }) as AsyncIterable<Buffer>) {
      let chunk = read;
      if (inHeader) {
        const end = chunk.indexOf(0x0a);
        if (end < 0) continue;
        inHeader = false;
        chunk = chunk.subarray(end + 1);
      }
      if (chunk.length > 0) parts.push(Buffer.from(ends.convert(chunk)));
    }
  }
  return Buffer.concat(parts);
}

async function bytes(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** A payload of CSV-ish pieces: fields plain, quoted (with CR, LF, CRLF, `""` inside), a literal quote in a plain one; line ends LF, CRLF, lone CR, or none (the CR-free kinds most often, a CR only late in some). */
function payload(next: () => number, header: string): string {
  const ends = next() < 0.4 ? ['\n'] : next() < 0.5 ? ['\r\n'] : ['\n', '\r\n', '\r'];
  const crLate = next() < 0.3;
  const pieces = ['a', 'bc', '"q"', '"x\ny"', '"x\r\ny"', '"x\ry"', '"say ""hi"""', 'O"B', '""', '"', '\r', '\n'];
  let out = header;
  const records = Math.floor(next() * 6);
  for (let r = 0; r < records; r++) {
    const fields = 1 + Math.floor(next() * 3);
    const late = crLate && r === records - 1;
    for (let f = 0; f < fields; f++) {
      if (f > 0) out += ',';
      let piece = pieces[Math.floor(next() * pieces.length)] as string;
      if (!late && ends.length === 1 && ends[0] === '\n') piece = piece.replaceAll('\r', '');
      out += piece;
    }
    if (r < records - 1 || next() < 0.7) out += late ? '\r\n' : (ends[Math.floor(next() * ends.length)] as string);
  }
  return out;
}

describe('lib/load/ingest-upload-body', () => {
  const tmp = useTempDir('bulkpipe-upload-body-');

  it("joins the payloads under the first one's header, record ends as LF, quoted line breaks kept, a literal quote in an unquoted field no quote", async () => {
    const a = join(tmp.path, 'a.csv');
    const b = join(tmp.path, 'b.csv');
    await writeFile(a, 'Name,Description\r\nO"Brien,plain\r\n"two\r\nlines","say ""hi"""\r\n');
    await writeFile(b, 'Name,Description\r\nlone,cr\rlast,"no line end"');
    const body = await text(ingestUploadStream([a, b])());
    expect(body).to.equal('Name,Description\nO"Brien,plain\n"two\r\nlines","say ""hi"""\nlone,cr\nlast,"no line end"');
    // A replayable body: each call reads the files again.
    expect(await text(ingestUploadStream([a, b])())).to.equal(body);
  });

  it('converts across chunk edges: a CRLF cut between two chunks, a quote state carried over', () => {
    const ends = new LfRecordEnds();
    const parts = ['a,"x\r', '\ny",b\r', '\nc,d\r', '\r\n'].map((p) => ends.convert(Buffer.from(p)).toString());
    expect(parts.join('')).to.equal('a,"x\r\ny",b\nc,d\n\n');
  });

  it('sends the bytes the state machine sent before, at every read size (differential fuzz against the old body)', async function () {
    this.timeout(120_000);
    const next = seededRandom(28);
    for (let round = 0; round < 150; round++) {
      const paths: string[] = [];
      let longest = 0;
      const count = 1 + Math.floor(next() * 3);
      for (let p = 0; p < count; p++) {
        const path = join(tmp.path, `${round}-${p}.csv`);
        // A later payload's header is skipped to its first LF whatever it holds (a stray quote too).
        const header = next() < 0.2 ? (p === 0 ? '\ufeffName,Note\n' : '"Name,Note\n') : 'Name,Note\n';
        const text = payload(next, header);
        await writeFile(path, text);
        longest = Math.max(longest, Buffer.byteLength(text));
        paths.push(path);
      }
      const expected = await oldBody(paths, 256 * 1024);
      // Every read size up to a whole file: a read edge falls at every byte, a CR first met at each.
      for (let readBytes = 1; readBytes <= longest + 1; readBytes++) {
        const got = await bytes(ingestUploadStream(paths, readBytes)());
        expect(got.toString('latin1'), `round ${round}, ${readBytes}-byte reads, payloads ${JSON.stringify(paths)}`).to.equal(expected.toString('latin1'));
      }
    }
  });

  it('a quote state found again at a CR far into a payload: a quoted CR after many CR-free reads stays, a CR after it is LF', async () => {
    const a = join(tmp.path, 'a.csv');
    const b = join(tmp.path, 'b.csv');
    const plain = 'x,"a ""b"", c\nd"\n'.repeat(50);
    await writeFile(a, `Name,Note\n${plain}"open\rstill",y\rz,w`);
    await writeFile(b, `Name,Note\n${plain}"in\r`);
    const expected = await oldBody([a, b], 256 * 1024);
    expect(expected.toString()).to.include('"open\rstill",y\nz,w');
    for (const readBytes of [1, 7, 16, 100, 1000, 1 << 16]) expect((await bytes(ingestUploadStream([a, b], readBytes)())).toString()).to.equal(expected.toString());
  });

  it('LfRecordEnds makes the bytes the byte-by-byte state machine made, whatever the chunks (differential fuzz)', () => {
    const next = seededRandom(2028);
    const alphabet = ['a', 'b', ',', '"', '\r', '\n', '\r\n', '""', ',"', '\n"'];
    for (let round = 0; round < 3000; round++) {
      let text = '';
      for (let k = Math.floor(next() * 40); k > 0; k--) text += alphabet[Math.floor(next() * alphabet.length)] as string;
      const bytes = Buffer.from(text);
      const cuts: number[][] = [[]];
      // Every single cut, then random cuts into up to 8 chunks (empty chunks too).
      for (let at = 0; at <= bytes.length; at++) cuts.push([at]);
      for (let k = 0; k < 8; k++) cuts.push(Array.from({ length: 1 + Math.floor(next() * 7) }, () => Math.floor(next() * (bytes.length + 1))).sort((x, y) => x - y));
      const expected = (() => {
        const old = new OldLfRecordEnds();
        return Buffer.from(old.convert(bytes)).toString('latin1');
      })();
      for (const at of cuts) {
        const ends = new LfRecordEnds();
        const old = new OldLfRecordEnds();
        const edges = [0, ...at, bytes.length];
        let got = '';
        let want = '';
        for (let e = 0; e + 1 < edges.length; e++) {
          const piece = bytes.subarray(edges[e], edges[e + 1]);
          got += Buffer.from(ends.convert(piece)).toString('latin1');
          want += Buffer.from(old.convert(piece)).toString('latin1');
        }
        expect(want, `the old machine itself, ${JSON.stringify(text)} cut at ${at}`).to.equal(expected);
        expect(got, `${JSON.stringify(text)} cut at ${at}`).to.equal(expected);
      }
    }
  });

  it("uploadDigest: a hash over the segments' hashes, in order", () => {
    expect(uploadDigest(['a', 'b'])).to.match(/^[0-9a-f]{64}$/);
    expect(uploadDigest(['a', 'b'])).to.not.equal(uploadDigest(['b', 'a']));
  });
});
