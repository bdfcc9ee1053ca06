/**
 * DateConverter: InputRecord -> InputRecord, for dates and date-times as people write them. The
 * values of the object's date fields written in `dateFormat` (e.g. `MM/dd/yyyy`) become `yyyy-MM-dd`;
 * the values of its date-time fields written in `dateFormat` with a time (e.g. `MM/dd/yyyy HH:mm`),
 * or in ISO 8601 without an offset, are read as local times of `timeZone` (default UTC) and become
 * ISO 8601 in UTC (a date-time with an offset is left as it is). A date field's value in ISO 8601 at
 * midnight UTC (a JavaScript Date written by JSON.stringify) becomes its day, by the one rule of
 * lib/records/field-value.ts that RecordReader applies to records from code. Which fields are dates
 * is asked once, at the first record (`fieldTypes`: e.g. from the org's describe). A value in neither
 * form is passed on as it is: the org (or a dry run) says what is wrong with it, in its own words.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { InputRecord, InputValue } from '../lib/load-types.js';
import { isoDate, timeZoneOption, utcOf } from '../lib/text/date-format.js';
import { dateValueReader, type DateValueReader } from '../lib/text/date-value-reader.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';
import { midnightUtcDay, type DateFieldType } from '../lib/records/field-value.js';

export type { DateFieldType };

export interface DateConverterOptions {
  /** How the input writes dates: yyyy, MM/M, dd/d, e.g. `dd/MM/yyyy`; date-times are that and `HH:mm[:ss]`. */
  readonly dateFormat?: string;
  /** The IANA zone of date-times without an offset; default UTC. */
  readonly timeZone?: string;
  /** The object's date and date-time fields by name (matched regardless of case; others are left alone); asked once, at the first record. */
  readonly fieldTypes: () => Promise<ReadonlyMap<string, DateFieldType>>;
}

export class DateConverter extends Transform {
  /** How `dateFormat` reads a value: the --date-format hints check a format by the same reader. */
  readonly #reader: DateValueReader;
  readonly #zone: string;
  readonly #fieldTypes: DateConverterOptions['fieldTypes'];
  #types: ReadonlyMap<string, DateFieldType> | undefined;

  constructor(options: DateConverterOptions) {
    super({ objectMode: true });
    this.#reader = dateValueReader(options.dateFormat);
    this.#zone = timeZoneOption(options.timeZone ?? 'UTC');
    this.#fieldTypes = options.fieldTypes;
  }

  override _transform(record: InputRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('DateConverter', ['record'], record);
    if (wrong) return callback(wrong);
    if (this.#types) return callback(null, this.#convert(record));
    this.#fieldTypes().then((types) => {
      this.#types = new Map([...types].map(([name, type]) => [name.toLowerCase(), type]));
      callback(null, this.#convert(record));
    }, callback);
  }

  #convert(record: InputRecord): InputRecord {
    if (record.error !== undefined || this.#types?.size === 0) return record;
    let fields: Record<string, InputValue> | undefined;
    for (const name in record.fields) {
      const type = this.#types?.get(name.toLowerCase());
      const value = record.fields[name];
      if (!type || !value) continue;
      const converted = type === 'date' ? this.#dateOf(value) : this.#dateTimeOf(value);
      if (converted === undefined || converted === value) continue;
      fields ??= { ...record.fields };
      fields[name] = converted;
    }
    return fields ? { ...record, fields } : record;
  }

  #dateOf(value: string): string | undefined {
    const day = midnightUtcDay(value);
    if (day !== undefined) return day;
    const parts = this.#reader.read('date', value);
    return parts ? isoDate(parts) : undefined;
  }

  #dateTimeOf(value: string): string | undefined {
    const parts = this.#reader.read('datetime', value);
    return parts ? utcOf(parts, this.#zone) : undefined;
  }
}

/** A DateConverter; e.g. `dateConverter({ dateFormat: 'MM/dd/yyyy', timeZone: 'America/New_York', fieldTypes })`. */
export const dateConverter = (options: DateConverterOptions) => new DateConverter(options);
