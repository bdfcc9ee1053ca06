/**
 * Reads a Bulk API 2.0 upload in the job's dialect, byte by byte across chunks, with no library and
 * no string per value (issue 28: csv-parse, a per-byte line-ending scan and the re-serialising of
 * every row were a quarter of the org's time in a 2.0 load). It accepts and refuses what the org's
 * csv-parse reading accepted and refused (options: the job's delimiter and record delimiter,
 * max_record_size MAX_RECORD_CHARS, skip_empty_lines; its defaults: `"` quotes and escapes, no BOM
 * handling, every record as many fields as the first):
 * - a quote opens a quoted value only as a value's first byte (anywhere else: "Invalid Opening
 *   Quote"); inside, `""` is one quote, and the closing quote must be followed by the delimiter, the
 *   record delimiter, the end, or (csv-parse's quirk, kept) a NUL byte, after which the value goes on;
 * - a record delimiter outside quotes ends a record, an empty line (no byte, no quote) is skipped;
 * - before a byte is added to a value, the record's earlier values (in UTF-16 units, as decoded) plus
 *   this value's bytes must not exceed MAX_RECORD_CHARS ("Max Record Size");
 * - every line end outside quotes must be the job's (spec §7), as the org's line-ending check had it.
 * Faults are raised in byte order, the first one wins. Each complete record goes to `onRecord` as
 * its bytes (no record delimiter) with where its fields end, whether its bytes already are the comma
 * CSV the batch stores (`clean`: each value quoted exactly when RFC 4180 needs it, valid UTF-8) and
 * its values' length in UTF-16 units. Only unclean records, and the header, decode their values.
 */
import { isUtf8 } from 'node:buffer';
import { MAX_RECORD_CHARS } from './ingest-limits.js';

/** A fault in the data: `kind` says which message the splitter gives. */
export class UploadDataFault extends Error {
  constructor(
    readonly kind: 'csv' | 'lineEnding',
    message: string,
  ) {
    super(message);
  }
}

export interface ScannedRecord {
  /** The record's bytes: a view valid only during the call. */
  readonly bytes: Buffer;
  /** Fields in the record. */
  readonly fields: number;
  /** `ends[k]`: where field k ends in `bytes` (its delimiter's position), for k < min(fields, capacity). */
  readonly ends: Int32Array;
  /** The bytes are the record's comma CSV once the job's delimiters are commas. */
  readonly clean: boolean;
  /**
   * When not clean: whether it is written again from its bytes, field by field (`needsQuotes`),
   * rather than from its decoded values: valid UTF-8, no value going on after a NUL.
   */
  readonly rewritable: boolean;
  /** `needsQuotes[k]`: field k's value holds a quote, a comma, a CR or an LF (k < min(fields, capacity)). */
  readonly needsQuotes: Uint8Array;
  /** The values' length in UTF-16 units (the upload's characters). */
  readonly characters: number;
  /** The record's bytes in UTF-16 units, when clean or rewritable. */
  readonly lineCharacters: number;
  /** The line the record ends on (1-based, line breaks inside quotes counted), as csv-parse's messages said. */
  readonly line: number;
}

const EMPTY = Buffer.alloc(0);
/** The carry's size at first (and the least it shrinks to): a record of 64 KiB fits. */
const CARRY_BYTES = 64 * 1024;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;

// States between bytes.
const START = 0; // at a value's first byte
const UNQUOTED = 1; // in an unquoted value (or after a quoted one closed by a NUL)
const QUOTED = 2; // inside quotes
const QUOTE_SEEN = 3; // a quote inside quotes: escape, close, or a fault, by the next byte
const QUOTE_CR = 4; // a quote inside quotes, then a CR: a close (CRLF job) or a line-ending fault (LF job) if an LF follows
const CR_SEEN = 5; // CRLF job: a CR outside quotes: the record's end if an LF follows, else data

// Byte classes outside quotes and inside.
const PLAIN = 0;
const HIGH = 1; // a byte of a multi-byte UTF-8 character
const Q = 2; // the quote
const DELIMITER = 3;
const NEWLINE = 4; // LF
const RETURN = 5; // CR
const NEEDS_QUOTES = 6; // data that the comma CSV must quote (a comma in another dialect, a CR in an LF job)

export class UploadScanner {
  readonly #delimiter: number;
  readonly #crlf: boolean;
  readonly #lineEndingName: string;
  readonly #outside = new Uint8Array(256);
  readonly #inside = new Uint8Array(256);
  readonly #onRecord: (record: ScannedRecord) => void;
  /** The bytes from the record in progress's start: the carry of earlier chunks, then the current one. */
  #work: Buffer = EMPTY;
  /**
   * Where the record in progress is carried between chunks: grown by doubling and filled in place, so
   * that a record spanning many chunks costs its length once, not once per chunk (a megabytes-long
   * record of empty values is no limit's business until it ends).
   */
  #carry: Buffer = EMPTY;
  #state = START;
  #last = -1;
  /** Lines so far (LF bytes), for the messages. */
  #lines = 1;
  // The record in progress (positions from its start).
  #fields = 0;
  #ends = new Int32Array(64);
  #needs = new Uint8Array(64);
  #nul = false;
  #capacity: number;
  #fieldStart = 0;
  #fieldBytes = 0;
  #quoted = false;
  #needsQuotes = false;
  #afterNul = false;
  #previousChars = 0;
  #high = 0;
  #continuation = 0;
  #four = 0;
  #fieldContinuation = 0;
  #fieldFour = 0;
  #fieldHigh = 0;
  #clean = true;
  #valid = true;

  /** `capacity`: fields whose ends are kept (a record with more is refused anyway). */
  constructor(options: {
    readonly delimiter: string;
    readonly crlf: boolean;
    readonly lineEndingName: string;
    readonly capacity: number;
    readonly onRecord: (record: ScannedRecord) => void;
  }) {
    this.#delimiter = options.delimiter.charCodeAt(0);
    this.#crlf = options.crlf;
    this.#lineEndingName = options.lineEndingName;
    this.#capacity = options.capacity;
    this.#onRecord = options.onRecord;
    for (let b = 0x80; b < 0x100; b++) {
      this.#outside[b] = HIGH;
      this.#inside[b] = HIGH;
    }
    this.#outside[QUOTE] = Q;
    this.#inside[QUOTE] = Q;
    this.#outside[LF] = NEWLINE;
    this.#inside[LF] = NEEDS_QUOTES;
    this.#outside[CR] = options.crlf ? RETURN : NEEDS_QUOTES;
    this.#inside[CR] = NEEDS_QUOTES;
    this.#inside[COMMA] = NEEDS_QUOTES;
    if (this.#delimiter !== COMMA) this.#outside[COMMA] = NEEDS_QUOTES;
    this.#outside[this.#delimiter] = DELIMITER;
  }

  /** Fields whose ends are kept from the next record on. */
  set capacity(fields: number) {
    this.#capacity = fields;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const carried = this.#work.length;
    if (carried > 0) {
      // #work is the front of #carry here.
      const total = carried + chunk.length;
      if (total > this.#carry.length) {
        const grown = Buffer.allocUnsafe(Math.max(total, this.#carry.length * 2));
        this.#work.copy(grown);
        this.#carry = grown;
      }
      chunk.copy(this.#carry, carried);
      this.#work = this.#carry.subarray(0, total);
    } else {
      this.#work = chunk;
    }
    const start = this.#scan(carried);
    this.#last = chunk[chunk.length - 1] as number;
    this.#keep(start);
  }

  /** Carries the record in progress, from `start` of #work, to the next chunk (copied: a chunk may be a view of a larger buffer). */
  #keep(start: number): void {
    const work = this.#work;
    const rest = work.length - start;
    if (rest === 0) {
      this.#work = EMPTY;
      return;
    }
    const inCarry = work.buffer === this.#carry.buffer && work.byteOffset === this.#carry.byteOffset;
    if (inCarry && this.#carry.length <= 4 * Math.max(rest, CARRY_BYTES)) {
      if (start > 0) this.#carry.copyWithin(0, start, work.length);
    } else {
      // A new carry when there is none, when the chunk's record is longer, or when a long record's is far too large now.
      const carry = rest <= this.#carry.length && !inCarry ? this.#carry : Buffer.allocUnsafe(Math.max(rest, CARRY_BYTES));
      work.copy(carry, 0, start);
      this.#carry = carry;
    }
    this.#work = this.#carry.subarray(0, rest);
  }

  end(): void {
    const work = this.#work;
    const n = work.length;
    switch (this.#state) {
      case QUOTED:
        throw this.#csvFault(`Quote Not Closed: the parsing is finished with an opening quote at line ${this.#lines}`);
      case QUOTE_CR:
        throw this.#closingFault(CR);
      case CR_SEEN:
        this.#append(1); // a CR at the very end is data, as csv-parse reads it
        this.#needsQuotes = true;
        break;
      case QUOTE_SEEN:
        this.#state = UNQUOTED; // closed by the end
        break;
    }
    if (this.#fields > 0 || this.#fieldBytes > 0 || this.#quoted) this.#endRecord(work, 0, n, this.#lines);
    this.#work = EMPTY;
    this.#carry = EMPTY;
  }

  /** Scans the work buffer from `from`; returns where the record in progress starts. */
  #scan(from: number): number {
    const work = this.#work;
    const n = work.length;
    const outside = this.#outside;
    const inside = this.#inside;
    let start = 0;
    let i = from;
    let state = this.#state;
    while (i < n) {
      if (state === START || state === UNQUOTED) {
        // A run of bytes that are data as they are.
        let j = i;
        let k = PLAIN;
        for (; j < n; j++) {
          k = outside[work[j] as number] as number;
          if (k === PLAIN) continue;
          if (k === HIGH) {
            this.#countHigh(work[j] as number);
            continue;
          }
          if (k === NEEDS_QUOTES) {
            this.#needsQuotes = true;
            continue;
          }
          break;
        }
        if (j > i) {
          this.#append(j - i);
          state = UNQUOTED;
        }
        i = j;
        if (j === n) break;
        if (k === DELIMITER) {
          this.#endField(work, start, i);
          state = START;
          i++;
        } else if (k === Q) {
          if (state === UNQUOTED) throw this.#openingFault(work, start, i);
          this.#quoted = true;
          state = QUOTED;
          i++;
        } else if (k === NEWLINE) {
          if (this.#crlf || this.#before(work, i) === CR) throw this.#lineEndingFault();
          this.#lines++;
          this.#endRecord(work, start, i, this.#lines - 1);
          state = START;
          start = ++i;
        } else {
          state = CR_SEEN; // a CR in a CRLF job: decided by the next byte
          i++;
        }
      } else if (state === QUOTED) {
        let j = i;
        for (; j < n; j++) {
          const k = inside[work[j] as number] as number;
          if (k === PLAIN) continue;
          if (k === HIGH) this.#countHigh(work[j] as number);
          else if (k === NEEDS_QUOTES) {
            this.#needsQuotes = true;
            if (work[j] === LF) this.#lines++;
          } else break; // the quote
        }
        if (j > i) this.#append(j - i);
        i = j;
        if (j === n) break;
        state = QUOTE_SEEN;
        i++;
      } else if (state === QUOTE_SEEN) {
        const b = work[i] as number;
        if (b === QUOTE) {
          this.#append(1); // `""`: one quote
          this.#needsQuotes = true;
          state = QUOTED;
          i++;
        } else if (b === this.#delimiter) {
          this.#endField(work, start, i);
          state = START;
          i++;
        } else if (b === LF) {
          if (this.#crlf) throw this.#lineEndingFault();
          this.#lines++;
          this.#endRecord(work, start, i, this.#lines - 1);
          state = START;
          start = ++i;
        } else if (b === CR) {
          state = QUOTE_CR;
          i++;
        } else if (b === 0) {
          // csv-parse takes a NUL as the end of its input here: the quote closes, the NUL and what follows are data.
          this.#afterNul = true;
          state = UNQUOTED;
        } else {
          throw this.#closingFault(b);
        }
      } else if (state === QUOTE_CR) {
        if (work[i] !== LF) throw this.#closingFault(CR);
        if (!this.#crlf) throw this.#lineEndingFault(); // a CRLF after a quoted value in an LF job
        this.#lines++;
        this.#endRecord(work, start, i - 1, this.#lines - 1);
        state = START;
        start = ++i;
      } else {
        // CR_SEEN
        if (work[i] === LF) {
          this.#lines++;
          this.#endRecord(work, start, i - 1, this.#lines - 1);
          state = START;
          start = ++i;
        } else {
          this.#append(1); // the CR is data
          this.#needsQuotes = true;
          state = UNQUOTED;
        }
      }
    }
    this.#state = state;
    return start;
  }

  #before(work: Buffer, i: number): number {
    return i > 0 ? (work[i - 1] as number) : this.#last;
  }

  #countHigh(b: number): void {
    this.#high++;
    if (b < 0xc0) this.#continuation++;
    else if (b >= 0xf0) this.#four++;
  }

  /** Adds `count` bytes to the value in progress, after csv-parse's max_record_size check. */
  #append(count: number): void {
    this.#fieldBytes += count;
    if (this.#previousChars + this.#fieldBytes > MAX_RECORD_CHARS + 1) {
      throw this.#csvFault(`Max Record Size: record exceed the maximum number of tolerated bytes of ${MAX_RECORD_CHARS} at line ${this.#lines}`);
    }
  }

  /** The value from #fieldStart (relative to `start`) to `end` is complete. */
  #endField(work: Buffer, start: number, end: number): void {
    const high = this.#high - this.#fieldHigh;
    let chars = this.#fieldBytes - (this.#continuation - this.#fieldContinuation) + (this.#four - this.#fieldFour);
    if (high > 0 && !isUtf8(work.subarray(start + this.#fieldStart, end))) {
      this.#valid = false;
      chars = fieldValue(work.subarray(start + this.#fieldStart, end)).length;
    }
    this.#previousChars += chars;
    if (this.#quoted !== this.#needsQuotes || this.#afterNul) this.#clean = false;
    if (this.#afterNul) this.#nul = true;
    if (this.#fields < this.#capacity) {
      if (this.#fields === this.#ends.length) {
        const size = Math.min(this.#ends.length * 2, this.#capacity);
        const ends = new Int32Array(size);
        ends.set(this.#ends);
        this.#ends = ends;
        const needs = new Uint8Array(size);
        needs.set(this.#needs);
        this.#needs = needs;
      }
      this.#ends[this.#fields] = end - start;
      this.#needs[this.#fields] = this.#needsQuotes ? 1 : 0;
    }
    this.#fields++;
    this.#startField(end - start + 1);
  }

  /** The next value starts at `at` of the record: its state from nothing, its counts from the record's so far. */
  #startField(at: number): void {
    this.#fieldStart = at;
    this.#fieldBytes = 0;
    this.#quoted = false;
    this.#needsQuotes = false;
    this.#afterNul = false;
    this.#fieldHigh = this.#high;
    this.#fieldContinuation = this.#continuation;
    this.#fieldFour = this.#four;
  }

  /** `line`: the line the record ends on (its record delimiter's), for the messages. */
  #endRecord(work: Buffer, start: number, end: number, line: number): void {
    if (this.#fields === 0 && this.#fieldBytes === 0 && !this.#quoted) return; // an empty line: skipped
    this.#endField(work, start, end);
    const bytes = work.subarray(start, end);
    const lineCharacters = bytes.length - this.#continuation + this.#four;
    this.#onRecord({
      bytes,
      fields: this.#fields,
      ends: this.#ends,
      clean: this.#clean && this.#valid,
      rewritable: this.#valid && !this.#nul,
      needsQuotes: this.#needs,
      characters: this.#previousChars,
      lineCharacters,
      line,
    });
    this.#resetRecord();
  }

  /** The next record starts past the record delimiter (#scan keeps where): positions are relative to it. */
  #resetRecord(): void {
    this.#fields = 0;
    this.#previousChars = 0;
    this.#high = 0;
    this.#continuation = 0;
    this.#four = 0;
    this.#clean = true;
    this.#valid = true;
    this.#nul = false;
    this.#startField(0);
  }

  #csvFault(message: string): UploadDataFault {
    return new UploadDataFault('csv', message);
  }

  #closingFault(b: number): UploadDataFault {
    return this.#csvFault(
      `Invalid Closing Quote: got "${String.fromCharCode(b)}" at line ${this.#lines} instead of delimiter, record delimiter, trimable character (if activated) or comment`,
    );
  }

  #openingFault(work: Buffer, start: number, i: number): UploadDataFault {
    const value = work.toString('utf8', start + this.#fieldStart, i);
    return this.#csvFault(`Invalid Opening Quote: a quote is found on field ${this.#fields} at line ${this.#lines}, value is ${JSON.stringify(value)}`);
  }

  #lineEndingFault(): UploadDataFault {
    return new UploadDataFault('lineEnding', `ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${this.#lineEndingName}`);
  }
}

/**
 * The value of one field's bytes as the scanner accepted them: a quoted one loses its quotes and
 * undoubles its inner ones (what follows its closing quote, after a NUL, is kept as it is).
 */
export function fieldValue(raw: Buffer): string {
  if (raw[0] !== QUOTE) return raw.toString('utf8');
  const close = closingQuote(raw);
  let inner = raw.subarray(1, close);
  if (inner.indexOf(QUOTE) >= 0) {
    const out = Buffer.allocUnsafe(inner.length);
    let n = 0;
    for (let i = 0; i < inner.length; i++) {
      const b = inner[i] as number;
      out[n++] = b;
      if (b === QUOTE) i++;
    }
    inner = out.subarray(0, n);
  }
  if (close + 1 >= raw.length) return inner.toString('utf8');
  return Buffer.concat([inner, raw.subarray(close + 1)]).toString('utf8');
}

/** The closing quote of a quoted field's bytes (its length when the field is cut short). */
function closingQuote(raw: Buffer): number {
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] !== QUOTE) continue;
    if (raw[i + 1] === QUOTE) i++;
    else return i;
  }
  return raw.length;
}
