/**
 * A row's identity for the unordered join: a 64-bit FNV-1a hash of its field values (unquoted,
 * `""` read as one quote) over the job's columns in header order, each value followed by its
 * length so that `a,bc` and `ab,c` differ. Computed from the bytes in 32-bit halves (no BigInt,
 * no string). The odds that two distinct rows of a job share a hash are about n^2 / 2^65: for a
 * job of 1,000,000 rows, 3 in 100 million (FNV-1a 64 spreads non-adversarial text evenly enough
 * for the birthday bound to hold); a collision would pair two distinct rows, never lose one.
 * The normalized hash is the same over normalizeValue's forms (unordered-values.ts), for the
 * results Salesforce re-serialized.
 */
import type { CsvRow } from './unordered-csv-rows.js';
import { normalizeValue } from './unordered-values.js';

const QUOTE = 0x22;
/** FNV-1a 64 offset basis, 0xcbf29ce484222325, in halves. */
const BASIS_HI = 0xcbf29ce4;
const BASIS_LO = 0x84222325;
/** The FNV 64 prime is 2^40 + 0x1b3: a multiplication is one by 0x1b3 plus a shift by 40. */
const PRIME_LO = 0x1b3;
const TWO_32 = 4294967296;
/** Mixed into the high half at each field end: a byte step never touches it, so a field end is no byte. */
const FIELD_END = 0x5bd1e995;

/** Hashes rows; the last hash is in `hi` and `lo`. `columns[j]` is the field of the row that holds the job's column j. */
export class RowHasher {
  hi = 0;
  lo = 0;

  /** The hash of the row's values as they are. A column beyond the row's fields hashes as empty. */
  exact(row: CsvRow, columns: Int32Array): void {
    let hi = BASIS_HI;
    let lo = BASIS_LO;
    const buf = row.buf;
    for (let j = 0; j < columns.length; j++) {
      const f = columns[j] as number;
      let length = 0;
      if (f < row.count) {
        const end = row.ends[f] as number;
        const escaped = row.escaped[f] === 1;
        for (let i = row.starts[f] as number; i < end; i++) {
          const b = buf[i] as number;
          if (escaped && b === QUOTE) i++; // `""` is one quote
          const t = ((lo ^ b) >>> 0) * PRIME_LO;
          const low = t >>> 0;
          hi = (Math.imul(hi, PRIME_LO) + (t - low) / TWO_32 + (((lo ^ b) << 8) >>> 0)) >>> 0;
          lo = low;
          length++;
        }
      }
      // The field's end: one FNV step over its length, FIELD_END in the high half.
      const x = (lo ^ length) >>> 0;
      const t = x * PRIME_LO;
      lo = t >>> 0;
      hi = (Math.imul(hi ^ FIELD_END, PRIME_LO) + (t - lo) / TWO_32 + ((x << 8) >>> 0)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }

  /** The hash of the row's values in their normalized forms (makes a string per field: only for rows the exact pass left). */
  normalized(row: CsvRow, columns: Int32Array): void {
    let hi = BASIS_HI;
    let lo = BASIS_LO;
    for (let j = 0; j < columns.length; j++) {
      const value = normalizeValue(row.text(columns[j] as number));
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        const t = ((lo ^ c) >>> 0) * PRIME_LO;
        const low = t >>> 0;
        hi = (Math.imul(hi, PRIME_LO) + (t - low) / TWO_32 + (((lo ^ c) << 8) >>> 0)) >>> 0;
        lo = low;
      }
      const x = (lo ^ value.length) >>> 0;
      const t = x * PRIME_LO;
      lo = t >>> 0;
      hi = (Math.imul(hi ^ FIELD_END, PRIME_LO) + (t - lo) / TWO_32 + ((x << 8) >>> 0)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }
}
