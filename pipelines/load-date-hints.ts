/**
 * A load's `--date-format` hints (issue 27, lib/load/date-format-guess.ts). Before the job, the
 * first batch's payload (its first MiB, as uploaded) is read for the values of the object's date
 * and date-time fields, and a hint per field whose values look like a format other than ISO 8601 is
 * said as a notice. The first row the org refuses for a date keeps the org's own error in the
 * outputs (a file that loads back is unchanged); a notice quotes it with the hint for its field (one
 * guessed from that value when the first batch held no value of a known shape: a column the sample
 * judged, mixed orders say, gets none). The hints go to the summary. With `--date-format` given, a
 * hint naming it is not said again, and a first batch whose dates it contradicts (a value it cannot
 * read that the other order reads, and none it read that the other order could not) stops a fresh
 * run before its job (DateFormatMismatchError).
 */
import { open } from 'node:fs/promises';
import { parseCsvText } from '../lib/csv/parse-csv-text.js';
import { DateFormatMismatchError } from '../lib/errors.js';
import { DateFormatGuess, dateFieldsOf, refusedDate, sameDateFormat, swappedDateFormat, type DateFormatHint } from '../lib/load/date-format-guess.js';
import type { DateFieldType } from '../lib/records/field-value.js';
import type { SpooledBatch } from '../lib/load-types.js';
import type { SObjectDescribe } from '../lib/wire/describe.js';

/** How much of the first payload is read for the sample. */
const SAMPLE_BYTES = 1 << 20;
/** An ISO 8601 date (or the date of a date-time) in a payload, its day captured. */
const ISO_DAY = /^\d{4}-\d{2}-(\d{2})(?:$|T)/;
/** How many refused dates are looked at for one of a known shape. */
const REFUSED_LOOKED_AT = 100;

export class LoadDateHints {
  readonly #onNotice: ((message: string) => void) | undefined;
  readonly #hints: DateFormatHint[] = [];
  /** The load's `--date-format`, and whether the run is fresh (a resume's job exists: it never stops for a contradiction). */
  readonly #given: { readonly dateFormat?: string; readonly fresh: boolean };
  #dateFields: Array<readonly [string, DateFieldType]> = [];
  /** The fields (lower case) whose sampled values had a known shape: their verdict stands, hint or none. */
  #judged = new Set<string>();
  #errorTold = false;
  #refusedSeen = 0;

  constructor(onNotice: ((message: string) => void) | undefined, given: { readonly dateFormat?: string; readonly fresh: boolean } = { fresh: true }) {
    this.#onNotice = onNotice;
    this.#given = given;
  }

  /** The hints said, in words (the summary's). */
  get hints(): readonly string[] {
    return this.#hints.map((hint) => hint.text);
  }

  /** Whether the first refused date is still to be told. */
  get watching(): boolean {
    return !this.#errorTold;
  }

  /** Reads the first batch's payload (CSV only) for the date fields' values, and says a hint per field that needs one. */
  async sample(first: SpooledBatch, object: SObjectDescribe): Promise<void> {
    this.#dateFields = dateFieldsOf(object);
    const guess = new DateFormatGuess(this.#dateFields);
    if (first.path === null || first.contentType !== 'CSV' || !first.columns.some((c) => guess.watches(c))) return;
    const file = await open(first.path, 'r');
    let text: string;
    let whole: boolean;
    try {
      const buffer = Buffer.alloc(SAMPLE_BYTES);
      const { bytesRead } = await file.read(buffer, 0, SAMPLE_BYTES, 0);
      whole = bytesRead < SAMPLE_BYTES;
      text = buffer.toString('utf8', 0, bytesRead);
    } finally {
      await file.close();
    }
    // A sample cut in the middle of the file ends at its last line end: the record it cuts is left out.
    if (!whole) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
    const { columns } = first;
    // The fields with a converted date whose day is over 12: the given order alone read that one, so a
    // value only the other order reads says the column is mixed, not that every date of it is swapped.
    const givenDecided = new Set<string>();
    let header = true;
    parseCsvText(
      text,
      (values) => {
        if (header) header = false;
        else
          for (const [i, value] of values.entries()) {
            const column = columns[i] ?? '';
            guess.add(column, value);
            if (Number(ISO_DAY.exec(value ?? '')?.[1] ?? 0) > 12) givenDecided.add(column.toLowerCase());
          }
      },
      'payload',
      1,
      { tolerant: true },
    );
    this.#judged = new Set(guess.judged().map((field) => field.toLowerCase()));
    const given = this.#given.dateFormat;
    for (const hint of guess.hints()) {
      // The payload's dates are converted already: a value left as it was is one the given format did not read.
      const swapped = given === undefined ? undefined : hint.formats.find((format) => swappedDateFormat(format, given));
      if (given !== undefined && swapped !== undefined && this.#given.fresh && !givenDecided.has(hint.field.toLowerCase()))
        throw new DateFormatMismatchError(given, hint.field, hint.example, swapped);
      this.#add(hint);
    }
  }

  /** A row error from the org: the first that refuses a date is told with its hint. */
  rowFailed(row: number, error: string): void {
    if (this.#errorTold) return;
    const refused = refusedDate(error);
    if (!refused) return;
    // A refused value of no known shape (`tomorrow`) tells nothing: a few more are looked at, then no more.
    if (++this.#refusedSeen >= REFUSED_LOOKED_AT) this.#errorTold = true;
    const field = refused.field.toLowerCase();
    let hint = this.#hints.find((h) => h.field.toLowerCase() === field);
    // The sample saw this column's values and no one format reads them all: one refused value does not overrule it.
    if (!hint && this.#judged.has(field)) return;
    if (!hint) {
      const guess = new DateFormatGuess([this.#dateFields.find(([f]) => f.toLowerCase() === field) ?? [refused.field, refused.type]]);
      guess.add(refused.field, refused.value);
      hint = guess.hints().find((h) => !this.#repeats(h));
      if (hint) this.#hints.push(hint);
    }
    if (!hint) return;
    this.#errorTold = true;
    this.#onNotice?.(`record ${row} failed in the org with ${JSON.stringify(error)}: ${hint.text}`);
  }

  #add(hint: DateFormatHint): void {
    if (this.#repeats(hint)) return;
    this.#hints.push(hint);
    this.#onNotice?.(hint.text);
  }

  /** Whether a hint names the format the user gave already: said again, it would only send them round in a circle. */
  #repeats(hint: DateFormatHint): boolean {
    const given = this.#given.dateFormat;
    return given !== undefined && hint.formats.some((format) => sameDateFormat(format, given));
  }
}
