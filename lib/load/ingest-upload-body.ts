/**
 * The body of a Bulk API 2.0 job's one upload, made of the job's spooled segments: the first
 * payload whole (its header line is the job's), then every later payload without its header line,
 * every record ended by an LF. A 2.0 job has one line ending and the org checks every line end
 * outside quotes against it, while a payload keeps its input's (LF, CRLF, a final record with none
 * given an LF by the cutter): the jobs are LF, and a CRLF or lone CR outside quotes is sent as LF
 * (a line break inside a quoted value is the value's, and stays). Read from the spool afresh for
 * each send, so that a retried PUT sends the same bytes; nothing is held but one read chunk (and
 * one more while a payload's first CR has its quote state found).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SpoolError } from '../errors.js';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** Where a payload's bytes stand: at a field's start, in an unquoted field, in a quoted one, or just after a quote in a quoted one (an escape or its end). */
enum At {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

/**
 * Record ends outside quotes made LF, across chunks (a CRLF cut between two chunks too). It hops
 * from one byte that matters to the next (Buffer#indexOf): in a quoted value only a quote does;
 * outside one, a CR and a quote (which opens a value only at a field's start: after a comma, a line
 * end or the payload's start; elsewhere it is literal, as the cutter reads it).
 */
export class LfRecordEnds {
  #at = At.FieldStart;
  /** The last byte was a CR outside quotes, sent as LF: an LF right after it is dropped. */
  #afterCr = false;

  convert(chunk: Buffer): Buffer {
    const n = chunk.length;
    let out: Buffer | undefined;
    let used = 0;
    let from = 0;
    let i = 0;
    let at = this.#at;
    if (this.#afterCr && n > 0) {
      this.#afterCr = false;
      if (chunk[0] === LF) {
        out = Buffer.allocUnsafe(n);
        from = i = 1;
      }
    }
    /** The next CR and quote at or after `i` (-1: none), found again only once passed. */
    let cr = -2;
    let quote = -2;
    while (i < n) {
      let c: number;
      if (at === At.Quoted) {
        const q = chunk.indexOf(QUOTE, i);
        if (q < 0) break;
        at = At.QuoteInQuoted;
        i = q + 1;
        continue;
      }
      if (at === At.QuoteInQuoted || (at === At.FieldStart && chunk[i] === QUOTE)) {
        // A quote after a closing one is an escape; one at a field's start opens the value.
        c = chunk[i] as number;
        if (c === QUOTE) {
          at = At.Quoted;
          i++;
          continue;
        }
      } else {
        // Outside quotes: the bytes up to the next CR or quote change nothing but the state.
        if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
        if (quote !== -1 && quote < i) quote = chunk.indexOf(QUOTE, i);
        const next = cr < 0 ? quote : quote < 0 ? cr : Math.min(cr, quote);
        if (next < 0) {
          at = lastByteAt(chunk[n - 1] as number);
          break;
        }
        if (next > i) at = lastByteAt(chunk[next - 1] as number);
        i = next;
        c = chunk[i] as number;
        if (c === QUOTE) {
          at = at === At.FieldStart ? At.Quoted : At.Unquoted;
          i++;
          continue;
        }
      }
      // c, at i, ends a closing quote's value or is a CR outside quotes.
      if (c === CR) {
        at = At.FieldStart;
        out ??= Buffer.allocUnsafe(n);
        used += chunk.copy(out, used, from, i);
        out[used++] = LF;
        from = ++i;
        if (i === n) this.#afterCr = true;
        else if (chunk[i] === LF) from = ++i;
      } else {
        at = lastByteAt(c);
        i++;
      }
    }
    this.#at = at;
    if (!out) return chunk;
    used += chunk.copy(out, used, from, n);
    return out.subarray(0, used);
  }
}

/** The state after a byte outside quotes that is no CR and no opening quote. */
const lastByteAt = (c: number): At => (c === COMMA || c === LF ? At.FieldStart : At.Unquoted);

/** Bytes read from a payload at a time. */
const READ_BYTES = 256 * 1024;

/**
 * The records of each payload after the first, from the byte after its header line. Most inputs
 * hold no CR at all, and a payload without one goes out as it is: its bytes pass the scan of
 * LfRecordEnds only from its first CR on, the quote state there found by reading the bytes before
 * it again (once a payload, and only a payload with a CR pays it).
 */
async function* joinedPayloads(paths: readonly string[], readBytes: number): AsyncGenerator<Buffer> {
  for (const [i, path] of paths.entries()) {
    let inHeader = i > 0;
    /** Where the payload's bytes to send start in the file (after the header line of a later payload). */
    let bodyStart = 0;
    /** The file offset after the last read. */
    let offset = 0;
    /** Made at the payload's first CR. */
    let ends: LfRecordEnds | undefined;
    for await (const read of createReadStream(path, { highWaterMark: readBytes }) as AsyncIterable<Buffer>) {
      const readAt = offset;
      offset += read.length;
      let chunk = read;
      if (inHeader) {
        // A header line is column names: no quoted line break in it, so its end is the first LF.
        const end = chunk.indexOf(LF);
        if (end < 0) continue;
        inHeader = false;
        chunk = chunk.subarray(end + 1);
        bodyStart = readAt + end + 1;
      }
      if (chunk.length === 0) continue;
      if (!ends) {
        if (chunk.indexOf(CR) < 0) {
          yield chunk;
          continue;
        }
        ends = new LfRecordEnds();
        await replay(path, bodyStart, readAt + read.length - chunk.length, ends, readBytes);
      }
      yield ends.convert(chunk);
    }
  }
}

/** Feeds `ends` the file's bytes `[from, to)`, sent before as they were (they hold no CR, so convert changes none): its quote state at `to`. */
async function replay(path: string, from: number, to: number, ends: LfRecordEnds, readBytes: number): Promise<void> {
  if (from >= to) return;
  const file = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(readBytes, to - from));
    for (let at = from; at < to; ) {
      const { bytesRead } = await file.read(buf, 0, Math.min(buf.length, to - at), at);
      if (bytesRead === 0) throw new SpoolError(`${path} ended at byte ${at}, before the ${to} bytes it held when it was read for an upload`, { path, causeCode: undefined });
      ends.convert(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await file.close();
  }
}

/** A replayable upload of the segments' payloads (paths in input order); `readBytes` is for tests. */
export function ingestUploadStream(paths: readonly string[], readBytes = READ_BYTES): () => Readable {
  return () => Readable.from(joinedPayloads(paths, readBytes), { objectMode: false });
}

/**
 * What the ledger records of an upload before it is sent: a hash over the segments' own hashes (each
 * taken as the spool wrote the file), so that it names the body's bytes without reading 100 MB again.
 */
export function uploadDigest(segmentDigests: readonly string[]): string {
  const hash = createHash('sha256').update('bulkpipe 2.0 upload\n');
  for (const digest of segmentDigests) hash.update(`${digest}\n`);
  return hash.digest('hex');
}
