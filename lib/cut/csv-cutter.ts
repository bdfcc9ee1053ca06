/**
 * CsvCutter: the CSV fast path's cutting, free of streams (CsvBatchSplitter wraps it). It finds
 * record boundaries in the raw bytes (CsvRecordScanner, quote-aware), checks each record while it
 * is still bytes (CsvRecordJudge), and slices the bytes into segments behind the header line,
 * never splitting fields into strings; SegmentCutter numbers, limits, rejects and seals them.
 * In a chunk that is valid UTF-8 without a NUL byte (but for a character cut at either end: the
 * records that reach into those edge bytes are left to the judge, checked on their own), CsvKernel
 * (WebAssembly SIMD) first finds the run of plain records (the header's field count, quotes where RFC 4180 puts them, one line each,
 * within the field and batch limits), which join the open segment as many at a time as it takes;
 * the scanner and judge take the first record that is not plain, exactly as before, and the kernel
 * goes on after it.
 * A record ends at any line end outside quotes (LF, CRLF or a CR alone). The payload keeps LF and
 * CRLF record ends as they are, but a CR alone is sent as an LF (one extra slice, no copy).
 * Buffers: the slices of one open segment (at most maxBytes), one partial record (bounded by
 * maxBytes) and up to 64 KiB of rejected records.
 */
import { ParseError } from '../errors.js';
import type { CsvRecordRejection } from '../csv/csv-record-fault.js';
import { countByteLineEnds } from '../csv/line-ends.js';
import { MAX_FIELD_CHARACTERS } from '../limits.js';
import { CsvRecordScanner } from '../csv/record-scanner.js';
import type { ColumnPlan } from '../load/column-plan.js';
import { failsTheRun, InputStop } from '../streams/input-stop.js';
import { CR, innerLineEnds, NEWLINE, skipLines, utf8Span, withLf, withoutBom, type Skipping } from './csv-bytes.js';
import { readCsvHeader, type CsvHeader } from './csv-header.js';
import { type CsvCutterOptions, type CsvCutterSettings, csvCutterSettings } from './csv-cutter-options.js';
import { CsvKernel } from './csv-kernel.js';
import { CsvRecordJudge } from './csv-record-judge.js';
import { SegmentCutter, type CutEvents } from './segment-cutter.js';

/** Called back once a step is done, with the error that fails the stream, if any. */
type Done = (err?: Error | null) => void;

export class CsvCutter {
  readonly #settings: CsvCutterSettings;
  readonly #maxBytes: number;
  readonly #scanner: CsvRecordScanner;
  readonly #judge: CsvRecordJudge;
  /**
   * The SIMD scan of plain records, made on its first use (a cutter that rewrites its records, or
   * never sees a chunk it could scan, never holds its 1.3 MiB); null where WebAssembly SIMD cannot
   * run: the JS scan alone.
   */
  #kernel: CsvKernel | null | undefined;
  readonly #segments: SegmentCutter;
  readonly #events: CutEvents;
  #head: CsvHeader | undefined;
  /** The header line uploaded (`#head.upload`), kept apart for the hot loop. */
  #header: Buffer | undefined;
  #rewriting = false;
  /** The partial record at the end of the last chunk. */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  #skipping: Skipping | undefined;
  /** The open segment's payload after its header, and its bytes (header included). */
  #slices: Buffer[] = [];
  #bytes = 0;
  /** The physical line the next record starts on. */
  #line = 1;
  /** Input bytes before the current chunk (from the start of the file, also when resumed at an offset). */
  #consumed = 0;
  /** Stopping drops a partial record. */
  readonly #stop: InputStop;
  /** Where a stop in the middle of a chunk left the input: the next unread record's offset and line. */
  #stoppedAt: [offset: number, line: number] | undefined;
  /** The input ends cut off: its partial last record is dropped, and the last segment ends at `#cutAt`, where that record starts. */
  #cutOff = false;
  #cutAt: number | undefined;

  constructor(options: CsvCutterOptions, events: CutEvents) {
    const settings = csvCutterSettings(options);
    this.#settings = settings;
    this.#maxBytes = settings.maxBytes;
    this.#events = events;
    this.#scanner = new CsvRecordScanner(settings.delimiter);
    this.#judge = new CsvRecordJudge(settings.source, settings.delimiter, settings.checkUtf8, settings.maxBytes);
    // A stop keeps the partial record: where it starts is where a resumed run reads on (#unread).
    this.#stop = new InputStop(options.onError);
    const { resume } = options;
    this.#segments = new SegmentCutter({
      spool: settings.spool,
      maxRecords: settings.maxRecords,
      cuts: options.cuts,
      align: options.align,
      events,
      seq: resume?.seq,
      row: resume?.row,
    });
    if (resume) {
      this.#line = resume.line ?? resume.row + 2;
      this.#consumed = resume.offset;
      this.#setHeader(Buffer.from(resume.header));
    }
  }

  /** The input's header line as read (BOM stripped, line end kept), once read. */
  get inputHeader(): string | undefined {
    return this.#head?.read.toString('utf8');
  }

  /** The column plan, once the header is read. */
  get plan(): ColumnPlan | undefined {
    return this.#head?.plan;
  }

  /** Takes a chunk of the input; `done` is called once it is cut, with the error that fails the stream if any. */
  write(chunk: Buffer, done: Done): void {
    if (this.#stop.stopped) return done(); // the rest of a malformed input is read and dropped
    this.#scan(chunk).then(
      () => {
        this.#consumed += chunk.length;
        done();
      },
      (err: Error) => this.#stop.fail(err, done),
    );
  }

  /** The input ended: its last record and segment are cut. */
  end(done: Done): void {
    this.#stop.inputEnded();
    this.#end().then(
      () => done(),
      (err: Error) => {
        // Stopping at the end still batches what came before the error.
        if (!this.#stop.stopsOnError || this.#stop.stopped || failsTheRun(err)) return done(err);
        this.#stop.fail(err, () => undefined);
        this.#cut(this.#cutAt ?? this.#consumed).then(() => done(), done);
      },
    );
  }

  /** Stops taking records: whole records are still cut at the end, a partial one is dropped (a graceful stop). False when the whole input was taken already. */
  stop(): boolean {
    return this.#stop.stop();
  }

  /** The input ends cut off: a partial record after the last whole one is dropped, never uploaded truncated. */
  endsCut(): void {
    this.#cutOff = true;
  }

  /** An aborted run: the buffers are dropped. */
  drop(): void {
    this.#slices = [];
    this.#carry = [];
  }

  async #end(): Promise<void> {
    // A stop ends the last segment where the first record not taken starts (computed before a cut drops the carry).
    const stoppedAt = this.#stop.stopped ? (this.#stoppedAt ?? this.#unread()) : undefined;
    if (stoppedAt) return this.#cut(...stoppedAt);
    if (this.#cutOff) {
      // A partial record at a cut is no record: the segment ends where it starts.
      this.#cutAt = this.#consumed - this.#carryBytes;
      this.#carry = [];
      this.#carryBytes = 0;
      this.#skipping = undefined;
    } else if (this.#skipping) await this.#skipped(this.#consumed);
    else if (this.#carryBytes > 0) await this.#lastRecord();
    await this.#cut(this.#cutAt ?? this.#consumed);
  }

  /** The last record, without a line end (or inside a quote that never closes: its own fault), or ended by a CR alone. */
  async #lastRecord(): Promise<void> {
    const offset = this.#consumed - this.#carryBytes;
    const ended = !this.#scanner.inQuote && this.#carry.at(-1)?.at(-1) === CR;
    const last = Buffer.concat(ended ? this.#carry : [...this.#carry, NEWLINE]);
    this.#carry = [];
    this.#carryBytes = 0;
    await this.#record(last, offset, this.#scanner.quoted || this.#scanner.inQuote, this.#scanner.stray);
  }

  /**
   * At a stop: the offset and line of the first record not taken, `pos` bytes into the chunk being
   * scanned (0 at the end of the input read): the one that starts there, or the one begun in earlier
   * chunks (the carry, or a too-large record being passed over). The chunks read count those bytes,
   * so their end lies inside it (issue 22: a resume after a stop read on from mid-record).
   */
  #unread(pos = 0): [offset: number, line: number] {
    if (this.#skipping) return [this.#consumed - this.#skipping.bytes, this.#skipping.line];
    return [this.#consumed + pos - this.#carryBytes, this.#line];
  }

  /**
   * Records that lie whole inside the chunk and pass the byte checks join the open segment as one
   * slice per run (no Buffer per record); only a record that spans chunks is assembled on its own.
   */
  async #scan(chunk: Buffer): Promise<void> {
    let pos = 0;
    let segment = 0; // start of the run of this chunk's records that belong to the open segment
    const flushSegment = (end: number) => {
      if (end > segment) this.#slices.push(chunk.subarray(segment, end));
      segment = end;
    };
    // One native check for the whole chunk; only a chunk that fails it is checked record by record. The check
    // leaves out a character cut at either end ([from, to) is judged): the records that reach into those edge
    // bytes are checked on their own (records joined to the carry always are, in #place).
    const span: [from: number, to: number] | undefined = this.#settings.checkUtf8 ? utf8Span(chunk) : [0, chunk.length];
    const utf8Valid = span !== undefined;
    const [from, to] = span ?? [0, 0];
    const nulFree = chunk.indexOf(0) < 0;
    const segments = this.#segments;
    // The SIMD kernel takes the plain records of a chunk that passed both checks; the scanner and judge below take the rest.
    const scannable = utf8Valid && nulFree;
    this.#kernel?.release();
    let kernel: CsvKernel | null | undefined;
    for (;;) {
      if (
        scannable &&
        this.#header &&
        !this.#rewriting &&
        !this.#skipping &&
        this.#carryBytes === 0 &&
        !this.#scanner.inQuote &&
        pos >= from &&
        pos < chunk.length &&
        (kernel ??= this.#plainScan())
      ) {
        const headerBytes = this.#header.length;
        // Plain records fit a batch alone and the field limit (the kernel stops before any other).
        const maxLength = Math.max(0, Math.min(MAX_FIELD_CHARACTERS, this.#maxBytes - headerBytes));
        let plain = kernel.plainRecords(chunk, pos, this.#settings.delimiter, this.#judge.columns.length, maxLength);
        // The records that end in the trailing edge bytes (at most two) are left to the judge, checked on their own.
        while (plain > 0 && kernel.end(plain - 1) > to) plain--;
        let k = 0;
        while (k < plain && !this.#stop.stopped) {
          const row = segments.row + 1;
          let only = 0;
          if (segments.cutDue(row) || (segments.records > 0 && (segments.full || this.#bytes + (kernel.end(k) - pos) > this.#maxBytes))) {
            flushSegment(pos);
            await this.#cut(this.#consumed + pos, this.#line);
            if (!this.#stop.stopped) continue;
            // A stop that came with the cut (from its batch event) still takes the record that made the cut, as the scanner's path does.
            only = 1;
          }
          if (segments.aligning) {
            // The first record of a segment alone: an org batch it begins may end the segment early.
            const end = kernel.end(k);
            segments.alignTo([chunk.subarray(pos, end)]);
            this.#take(end - pos);
            this.#line++;
            pos = end;
            k++;
            continue;
          }
          // As many as the open segment takes: by its record limit, a resumed run's next cut, and its byte limit.
          let n = only || Math.min(plain - k, segments.room, (segments.nextCut ?? Number.POSITIVE_INFINITY) - row + 1);
          const before = segments.records === 0 ? headerBytes : this.#bytes;
          if (before + kernel.end(k + n - 1) - pos > this.#maxBytes) {
            let fits = 1; // the first fits: checked above, or it opens the segment
            let over = n;
            while (over - fits > 1) {
              const mid = (fits + over) >> 1;
              if (before + kernel.end(k + mid - 1) - pos <= this.#maxBytes) fits = mid;
              else over = mid;
            }
            n = fits;
          }
          const end = kernel.end(k + n - 1);
          this.#takeRows(n, end - pos);
          this.#line += n;
          pos = end;
          k += n;
        }
      }
      const end = this.#scanner.next(chunk, pos);
      if (end < 0) break;
      if (this.#stop.stopped) {
        // Stopped mid-chunk (while a segment was cut): the records from here on are not taken.
        flushSegment(pos);
        this.#stoppedAt = this.#unread(pos);
        return;
      }
      const start = pos;
      pos = end;
      if (this.#skipping) {
        segment = end;
        await this.#skipped(this.#consumed + end, chunk.subarray(0, end));
        continue;
      }
      const length = end - start;
      const quoted = this.#scanner.quoted;
      if (this.#carryBytes > 0 || !this.#header || length === 1 || (length === 2 && chunk[start] === CR) || this.#rewriting) {
        // A record that began in an earlier chunk, the header, an empty line, or a record to rewrite: the general path.
        flushSegment(start);
        segment = end;
        const done = this.#joined(chunk, start, end, quoted);
        if (done) await done;
        continue;
      }
      const line = this.#line;
      this.#line += this.#scanner.multiline ? 1 + innerLineEnds(chunk, start, end) : 1;
      const row = segments.row + 1;
      if (segments.cutDue(row)) {
        flushSegment(start);
        await this.#cut(this.#consumed + start, line);
      }
      const rejection =
        this.#judge.check(chunk, start, end, quoted, this.#scanner.stray, line, row, utf8Valid && start >= from && end <= to) ??
        (nulFree ? undefined : this.#judge.nul(chunk, start, end, line, row));
      if (rejection || length + this.#header.length > this.#maxBytes) {
        flushSegment(start);
        segment = end;
        const rejected = this.#reject(rejection ?? this.#judge.tooLarge(length, line, row));
        if (rejected) await rejected;
        continue;
      }
      if (segments.records > 0 && (segments.full || this.#bytes + length > this.#maxBytes)) {
        flushSegment(start);
        await this.#cut(this.#consumed + start, line);
      }
      if (segments.aligning) segments.alignTo(chunk[end - 1] === CR ? [chunk.subarray(start, end - 1), NEWLINE] : [chunk.subarray(start, end)]);
      this.#take(length);
      if (chunk[end - 1] === CR) {
        // A CR alone ends this record: the payload gets an LF in its place.
        flushSegment(end - 1);
        this.#slices.push(NEWLINE);
        segment = end;
      }
    }
    if (this.#skipping) return skipLines(this.#skipping, chunk, pos);
    flushSegment(pos);
    this.#carryRest(chunk, pos);
  }

  /** The kernel, made on first use; null where WebAssembly SIMD cannot run. */
  #plainScan(): CsvKernel | null {
    if (this.#kernel === undefined) this.#kernel = CsvKernel.create() ?? null;
    return this.#kernel;
  }

  /** A record on the general path: its bytes (joined to the carry of earlier chunks) and its offset in the input. */
  #joined(chunk: Buffer, start: number, end: number, quoted: boolean): Promise<void> | undefined {
    const record = this.#carryBytes > 0 ? Buffer.concat([...this.#carry, chunk.subarray(start, end)]) : chunk.subarray(start, end);
    const offset = this.#consumed + start - this.#carryBytes;
    this.#carry = [];
    this.#carryBytes = 0;
    return this.#record(record, offset, quoted, this.#scanner.stray);
  }

  /** Keeps a chunk's partial last record (from `pos`) for the next chunk; one larger than any batch is passed over, never kept. */
  #carryRest(chunk: Buffer, pos: number): void {
    if (pos >= chunk.length) return;
    this.#carry.push(chunk.subarray(pos));
    this.#carryBytes += chunk.length - pos;
    if (this.#carryBytes <= this.#maxBytes) return;
    if (!this.#header) throw new ParseError(`the header line is longer than ${this.#maxBytes} bytes`, { source: this.#settings.source, line: 1 });
    const skipping = { line: this.#line, bytes: 0, lines: 0, cr: false };
    for (const piece of this.#carry) skipLines(skipping, piece, 0);
    this.#skipping = skipping;
    this.#carry = [];
    this.#carryBytes = 0;
  }

  /** One record's bytes, newline included, and its offset in the input; returns a promise only when it had to wait for a cut or a reject file. */
  #record(read: Buffer, offset: number, quoted: boolean, stray: boolean): Promise<void> | undefined {
    if (read.length === 1 || (read.length === 2 && read[0] === CR)) {
      this.#line++;
      return undefined; // an empty line
    }
    const bytes = read[read.length - 1] === CR ? withLf(read) : read; // a CR alone ends it: uploaded with an LF
    const line = this.#line;
    this.#line += quoted ? 1 + innerLineEnds(bytes, 0, bytes.length) : 1;
    if (!this.#header) {
      this.#setHeader(withoutBom(bytes), line);
      return undefined;
    }
    if (this.#segments.cutDue(this.#segments.row + 1)) return this.#cut(offset, line).then(() => this.#place(bytes, offset, line, quoted, stray));
    return this.#place(bytes, offset, line, quoted, stray);
  }

  /** A record (not the header, not an empty line) into the open segment: its batch, or its reject file. */
  #place(bytes: Buffer, offset: number, line: number, quoted: boolean, stray: boolean): Promise<void> | undefined {
    const row = this.#segments.row + 1;
    let record = bytes;
    if (this.#rewriting) {
      const rewritten = this.#judge.rewrite(bytes, line, row, (this.#head as CsvHeader).plan);
      if ('error' in rewritten) return this.#reject(rewritten);
      record = rewritten.record;
    } else {
      const rejection = this.#judge.check(bytes, 0, bytes.length, quoted, stray, line, row, false) ?? this.#judge.nul(bytes, 0, bytes.length, line, row);
      if (rejection) return this.#reject(rejection);
    }
    if (record.length + (this.#header as Buffer).length > this.#maxBytes) return this.#reject(this.#judge.tooLarge(record.length, line, row));
    if (this.#segments.records > 0 && (this.#segments.full || this.#bytes + record.length > this.#maxBytes)) {
      return this.#cut(offset, line).then(() => this.#append(record));
    }
    this.#append(record);
    return undefined;
  }

  /** The end of a record too large to keep (`tail`: its last bytes in this chunk); `offset`: where the record after it starts. */
  async #skipped(offset: number, tail?: Buffer): Promise<void> {
    const skipping = this.#skipping as Skipping;
    this.#skipping = undefined;
    const bytes = skipping.bytes + (tail?.length ?? 0);
    // The record's own line end is in the tail; a tail cut off by the end of the input, or ended at the CR before it, adds none.
    this.#line = skipping.line + skipping.lines + (tail && tail.length > 0 ? countByteLineEnds(tail, 0, tail.length, skipping.cr) : skipping.cr ? 0 : 1);
    const row = this.#segments.row + 1;
    if (this.#segments.cutDue(row)) await this.#cut(offset - bytes, skipping.line);
    await this.#reject(this.#judge.tooLarge(bytes, skipping.line, row));
    // The open segment may end here: a resumed run then reads on after the skipped record.
    if (this.#segments.full) await this.#cut(offset, this.#line);
  }

  #setHeader(header: Buffer, line = 1): void {
    const head = readCsvHeader(header, line, this.#settings);
    this.#head = head;
    this.#header = head.upload;
    this.#rewriting = head.rewriting;
    this.#judge.columns = head.inputColumns;
    this.#events.columns(head.plan);
  }

  /** Counts the next input row into the open segment (its bytes are sliced in by the caller or #append). */
  #take(length: number): void {
    if (this.#segments.records === 0) this.#bytes = (this.#header as Buffer).length;
    this.#segments.take(this.#segments.row + 1);
    this.#bytes += length;
  }

  /** Counts the next `count` input rows, `bytes` long together, into the open segment (sliced in by the caller). */
  #takeRows(count: number, bytes: number): void {
    if (this.#segments.records === 0) this.#bytes = (this.#header as Buffer).length;
    this.#segments.takeRows(this.#segments.row + 1, count);
    this.#bytes += bytes;
  }

  #append(record: Buffer): void {
    if (this.#segments.aligning) this.#segments.alignTo([record]);
    this.#take(record.length);
    this.#slices.push(record);
  }

  /** Sends the next input row to the open segment's reject file. */
  #reject(rejection: CsvRecordRejection): Promise<void> | undefined {
    return this.#segments.reject({ row: this.#segments.row + 1, error: rejection.error, fields: rejection.fields });
  }

  /** Ends the open segment; `offset` and `line`: where in the input the record after it starts. */
  async #cut(offset: number, line = this.#line): Promise<void> {
    if (!this.#header || !this.#segments.open) return;
    const segment = this.#segments.close();
    if (!segment) return;
    const parts = [this.#header, ...this.#slices];
    const bytes = segment.records > 0 ? this.#bytes : 0;
    this.#slices = [];
    this.#bytes = 0;
    // The slices are written as they are (the segment is never copied into one buffer), whole and synced.
    const path = segment.records > 0 ? await this.#segments.writePayload(segment, 'csv', parts) : null;
    const columns = (this.#head as CsvHeader).plan.upload;
    this.#events.batch(await this.#segments.finish(segment, { path, bytes, contentType: 'CSV', columns, end: { offset, line } }));
  }
}
