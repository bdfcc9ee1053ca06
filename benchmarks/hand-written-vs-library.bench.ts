/**
 * Hand-written readers and writers against the libraries beside them (issue 28): each pair does the
 * same job on the same bytes, through the same kind of stage, with the per-record fault reporting
 * the pipeline gives (source, line, column, record, field), the library's wrapping counted in its
 * figure. Ours and the library alternate within each round (the order flips every round); the table
 * gives the medians of MB/s and of CPU seconds (process.cpuUsage, user + sys, GC threads included).
 *
 * - CSV records: RecordParser (CsvDecoder: CsvRecordScanner + parseCsvText) against csv-parse's
 *   stream, header, field count, limits, NUL and fault places done by a wrapper (on_record, on_skip;
 *   `raw: true` is what gives a fault's column). CSV query results: readCsvRecords against csv-parse.
 * - CSV payload lines: recordSerializer('CSV') against csv-stringify (stream, and sync per batch),
 *   its input mapped from records (null as #N/A, a lone empty value quoted).
 * - JSON array: RecordParser (JsonArrayScanner + flat-object reader) against stream-json parser +
 *   StreamArray + flattenRecord. stream-json reports no position at all: its figure has no lines (a
 *   bound on what a wrapper could reach) and no repeated-key check.
 * - XML: RecordParser (XmlDecoder's flat reader) against sax (strict, xmlns, positions, the five
 *   entities) with a wrapper that builds each record's fields and takes its line from sax.
 *
 * Usage: npm run build:bench && node dist-bench/benchmarks/hand-written-vs-library.bench.js [megabytes=16] [rounds=5] [pairs=csv,query,serialize,json,xml]
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { type CsvError, type Info, type InfoRecord, Parser as CsvParser } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import type sax from 'sax';
import { csvRecordFault, fieldsByHeader } from '../lib/csv/csv-record-fault.js';
import { readCsvRecords } from '../lib/csv/read-csv-records.js';
import type { InputRecord, InputValue } from '../lib/load-types.js';
import { inputFault, NUL_REASON } from '../lib/load/input-fault.js';
import { MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS } from '../lib/limits.js';
import { sax as saxPackage, streamJson } from '../lib/packages.js';
import { flattenRecord } from '../lib/records/json-object-fields.js';
import { recordFactory, type RecordFactory } from '../lib/records/record-factory.js';
import { recordSerializer } from '../lib/records/serialize-record.js';
import { escapeXml, XSI_NS } from '../lib/wire/xml-writer.js';
import { RecordParser } from '../transforms/record-parser.js';
import { generate } from './_util/data.js';
import { environment, fmt, table } from './_util/run.js';

const megabytes = Number(process.argv[2] ?? 16);
const rounds = Number(process.argv[3] ?? 5);
const pairs = new Set((process.argv[4] ?? 'csv,query,serialize,json,xml').split(','));
const CHUNK = 256 * 1024; // what the load input reads a file in (pipelines/load-input.ts)
const dir = join(tmpdir(), `bulkpipe-hwvl-${process.pid}`);
const SOURCE = 'input';

const FIELDS = ['Name', 'AccountNumber', 'Site', 'Phone', 'Website', 'NumberOfEmployees', 'AnnualRevenue', 'BillingCity', 'BillingCountry', 'Industry'];

// ---------------------------------------------------------------------------------------------
// Inputs: the benchmarks' 10-field Account records (benchmarks/_util/data.ts), and from them a fully
// quoted CSV and one with multi-byte text, commas, doubled quotes and line breaks inside values.

interface Input {
  readonly name: string;
  readonly bytes: number;
  readonly chunks: readonly Buffer[];
}

const chunked = (bytes: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
};
const input = (name: string, bytes: Buffer): Input => ({ name, bytes: bytes.length, chunks: chunked(bytes) });

/** The plain records of data.ts, read back from its CSV (no value holds a comma or a quote). */
function plainRecords(csv: string): string[][] {
  return csv
    .split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.split(','));
}

/** The same records with multi-byte text, a comma, a doubled quote and a line break in some values. */
function wideRecords(plain: readonly string[][]): string[][] {
  return plain.map((v, n) => [
    `Société Générale ${n} 日本`,
    v[1] as string,
    `Genève, ${n % 97}`,
    v[3] as string,
    v[4] as string,
    v[5] as string,
    v[6] as string,
    n % 4 === 0 ? `Zürich ${n % 313}\nEtage 2` : `Zürich ${n % 313}`,
    `Österreich ${n % 41} 🚀`,
    `Öl "Nord" ${n % 17}`,
  ]);
}

const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
const csvText = (records: readonly string[][], quoteAll: boolean) => {
  const field = quoteAll ? quote : (v: string) => (/[",\r\n]/.test(v) ? quote(v) : v);
  return `${FIELDS.map(field).join(',')}\n${records.map((r) => r.map(field).join(',')).join('\n')}\n`;
};
const jsonText = (records: readonly string[][]) => `[${records.map((r) => JSON.stringify(Object.fromEntries(FIELDS.map((f, i) => [f, r[i]])))).join(',\n')}]\n`;
const xmlText = (records: readonly string[][]) =>
  `<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n${records
    .map((r) => `<sObject>${FIELDS.map((f, i) => `<${f}>${escapeXml(r[i] as string)}</${f}>`).join('')}</sObject>`)
    .join('\n')}\n</sObjects>\n`;

/** Records as the cutter gets them: fields by column name. */
const recordObjects = (records: readonly string[][]) => records.map((r) => Object.fromEntries(FIELDS.map((f, i) => [f, r[i] as InputValue])));

// ---------------------------------------------------------------------------------------------
// A run: chunks through one stage (or stages) into a sink that counts records and faults.

interface Outcome {
  readonly records: number;
  readonly faults: number;
  /** A digest of every record's line and values, to check that both sides read the same. */
  readonly digest: number;
}

class Counter extends Writable {
  records = 0;
  faults = 0;
  digest = 0;
  readonly #lines: boolean;
  constructor(lines: boolean) {
    super({ objectMode: true, highWaterMark: 64 });
    this.#lines = lines;
  }
  override _write(record: InputRecord, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.records++;
    if (record.error !== undefined) this.faults++;
    this.digest = mix(this.digest, this.#lines ? (record.line ?? -1) : 0);
    for (const name in record.fields) {
      const v = record.fields[name];
      this.digest = mix(this.digest, v === null || v === undefined ? 7 : v.length + v.charCodeAt(v.length - 1));
    }
    cb();
  }
}
const mix = (h: number, v: number) => (Math.imul(h, 31) + v) | 0;

async function run(chunks: readonly Buffer[], stages: () => readonly NodeJS.ReadWriteStream[], lines = true): Promise<Outcome> {
  const sink = new Counter(lines);
  await pipeline(Readable.from(chunks, { objectMode: false }), ...(stages() as [Transform]), sink);
  return { records: sink.records, faults: sink.faults, digest: sink.digest };
}

// ---------------------------------------------------------------------------------------------
// Library wrappers: what each library needs around it to give RecordParser's records and faults.

/** Whether a field may be over the field limit or the record over the record limit (as CsvDecoder asks). */
function mayBreakLimits(values: readonly string[]): boolean {
  let total = 0;
  for (const value of values) {
    if (value.length > MAX_FIELD_CHARACTERS) return true;
    total += value.length;
  }
  return total > MAX_RECORD_CHARACTERS;
}

const countLineEnds = (text: string) => {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) count++;
  }
  return count;
};

/**
 * csv-parse's stream with a wrapper: the header names the fields (one record factory), a record is
 * judged as CsvDecoder judges it (field count, limits, NUL in text that holds one), and a record
 * csv-parse skips for its syntax is emitted rejected with its line, column (from `raw`) and field.
 * A record's first line: the line the last one ended on, plus the empty lines skipped, plus one.
 */
/** csv-parse types on_record's result as a row of strings; the wrapper's is a record, which the stream passes on as is. */
const asRow = (record: InputRecord) => record as unknown as string[];

function csvParseRecords(withRaw: boolean): Transform {
  let header: string[] | undefined;
  let make: RecordFactory | undefined;
  let row = 0;
  let lastLine = 0;
  let lastEmpty = 0;
  let nul = false;
  let parser: CsvParser;
  const startLine = (info: Info) => lastLine + 1 + (info.empty_lines - lastEmpty);
  const ended = (info: { lines: number; empty_lines: number }) => {
    lastLine = info.lines;
    lastEmpty = info.empty_lines;
  };
  parser = new (class extends CsvParser {
    override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
      if (!nul && chunk.indexOf(0) >= 0) nul = true;
      super._transform(chunk, encoding, callback);
    }
  })({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    raw: withRaw,
    // With `raw`, csv-parse hands on_record the record with its raw text ({ record, raw }).
    on_record: (read: string[] | { record: string[] }, info: InfoRecord): string[] | null => {
      const values = Array.isArray(read) ? read : read.record;
      const line = startLine(info);
      ended(info);
      if (!header) {
        header = values;
        make = recordFactory(values);
        return null;
      }
      const place = { source: SOURCE, row: ++row, line };
      if (values.length !== header.length || mayBreakLimits(values) || (nul && values.some((v) => v.indexOf('\0') >= 0))) {
        const error = csvRecordFault(values, undefined, header, place);
        if (error) return asRow({ row: place.row, line, fields: fieldsByHeader(values, header), error });
      }
      return asRow({ row: place.row, line, fields: (make as RecordFactory)(values) });
    },
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      if (!err) return undefined;
      const line = lastLine + 1;
      const column = raw === undefined ? undefined : raw.length - Math.max(raw.lastIndexOf('\n'), raw.lastIndexOf('\r'));
      const field = typeof err.column === 'number' && header ? header[err.column] : undefined;
      const error = inputFault('BULKPIPE_MALFORMED_RECORD', err.message, { source: SOURCE, row: ++row, line: line + (raw ? countLineEnds(raw) : 0), column, field });
      lastLine = typeof err.lines === 'number' ? err.lines : lastLine;
      parser.push({ row, line, fields: {}, error } satisfies InputRecord);
      return undefined;
    },
  });
  return parser;
}

/** stream-json's parser and StreamArray, each element made a record (flattenRecord, NUL check); no line: stream-json gives none. */
function streamJsonStages(): NodeJS.ReadWriteStream[] {
  const { parser, streamArray } = streamJson();
  let row = 0;
  const toRecord = new Transform({
    objectMode: true,
    transform(item: { value: unknown }, _e, cb) {
      const record = ++row;
      try {
        const fields = flattenRecord(item.value, { source: SOURCE, line: 0, record });
        for (const name in fields) {
          const v = fields[name];
          if (typeof v === 'string' && v.indexOf('\0') >= 0)
            return cb(null, { row: record, fields, error: inputFault('BULKPIPE_NUL_CHARACTER', NUL_REASON, { source: SOURCE, row: record, field: name }) });
        }
        cb(null, { row: record, fields } satisfies InputRecord);
      } catch (err) {
        cb(null, { row: record, fields: {}, error: inputFault('BULKPIPE_MALFORMED_RECORD', (err as Error).message, { source: SOURCE, row: record }) });
      }
    },
  });
  return [parser.parser(), streamArray.streamArray(), toRecord];
}

/** sax with a wrapper: `<sObject>` children are fields (a nested one a parent reference), xsi:nil null, a field twice the record's fault; the line from sax. */
class SaxRecords extends Transform {
  readonly #parser: sax.SAXParser;
  readonly #text = new StringDecoder('utf8');
  #depth = 0;
  #row = 0;
  #line = 0;
  #fields: Record<string, InputValue> = {};
  #fault: string | undefined;
  #name = '';
  #value = '';
  #nil = false;
  #parent = '';
  #hasChild = false;
  #error: Error | undefined;

  constructor() {
    super({ readableObjectMode: true, writableObjectMode: false });
    const parser = saxPackage().parser(true, { xmlns: true, position: true, strictEntities: true } as sax.SAXOptions);
    parser.onerror = (err) => {
      this.#error ??= new Error(`malformed XML: ${err.message.split('\n')[0]} (${SOURCE}, line ${parser.line + 1})`);
    };
    parser.onopentag = (tag) => {
      const depth = ++this.#depth;
      if (depth === 2) {
        this.#fields = {};
        this.#fault = undefined;
        this.#line = parser.line + 1;
      } else if (depth === 3) {
        this.#name = (tag as sax.QualifiedTag).local;
        this.#start(tag as sax.QualifiedTag);
        this.#hasChild = false;
      } else if (depth === 4) {
        this.#parent = this.#name;
        this.#hasChild = true;
        this.#name = (tag as sax.QualifiedTag).local;
        this.#start(tag as sax.QualifiedTag);
      }
    };
    parser.ontext = (text) => {
      if (this.#depth >= 3) this.#value += text;
    };
    parser.onclosetag = () => {
      const depth = this.#depth--;
      if (depth === 4) {
        if (this.#name !== 'type') this.#set(`${this.#parent}.${this.#name}`);
        this.#name = this.#parent;
      } else if (depth === 3) {
        if (!this.#hasChild) this.#set(this.#name);
      } else if (depth === 2) {
        const row = ++this.#row;
        const fields = this.#fields;
        let error = this.#fault;
        if (error === undefined)
          for (const name in fields) {
            const v = fields[name];
            if (typeof v === 'string' && v.indexOf('\0') >= 0) {
              error = inputFault('BULKPIPE_NUL_CHARACTER', NUL_REASON, { source: SOURCE, row, line: this.#line, field: name });
              break;
            }
          }
        this.push(error === undefined ? { row, line: this.#line, fields } : { row, line: this.#line, fields, error });
      }
    };
    this.#parser = parser;
  }

  #start(tag: sax.QualifiedTag): void {
    this.#value = '';
    const nil = tag.attributes[`xsi:nil`] as sax.QualifiedAttribute | undefined;
    this.#nil = nil !== undefined && nil.uri === XSI_NS && nil.value === 'true';
  }

  #set(name: string): void {
    if (Object.hasOwn(this.#fields, name)) {
      this.#fault ??= inputFault('BULKPIPE_DUPLICATE_FIELD', `the field <${name}> appears twice in the record`, {
        source: SOURCE,
        row: this.#row + 1,
        line: this.#line,
        field: name,
      });
      return;
    }
    this.#fields[name] = this.#nil ? null : this.#value;
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.#parser.write(this.#text.write(chunk));
    cb(this.#error);
  }

  override _flush(cb: TransformCallback): void {
    this.#parser.write(this.#text.end());
    this.#parser.close();
    cb(this.#error);
  }
}

// ---------------------------------------------------------------------------------------------
// The serializer: records to payload text, ours against csv-stringify.

interface SerializeOutcome {
  readonly chars: number;
  readonly text?: string;
}

/** Ours as the cutter uses it: one string per record, gathered into 64 KiB pieces. */
function serializeOurs(records: readonly Record<string, InputValue>[], keep = false): SerializeOutcome {
  const csv = recordSerializer('CSV');
  let chars = 0;
  let piece = csv.head(FIELDS);
  const all: string[] = [];
  for (let i = 0; i < records.length; i++) {
    piece += csv.record(FIELDS, records[i] as Record<string, InputValue>, i === 0);
    if (piece.length >= 65_536) {
      chars += piece.length;
      if (keep) all.push(piece);
      piece = '';
    }
  }
  chars += piece.length;
  if (keep) all.push(piece);
  return keep ? { chars, text: all.join('') } : { chars };
}

/** A record's values for csv-stringify: null as #N/A, missing as empty; a record of one empty value would be a blank line (no record): the wrapper quotes it. */
function rowOf(fields: Readonly<Record<string, InputValue>>): string[] {
  const row: string[] = new Array(FIELDS.length);
  for (let i = 0; i < FIELDS.length; i++) {
    const v = fields[FIELDS[i] as string];
    row[i] = v === null ? '#N/A' : (v ?? '');
  }
  return row;
}
/**
 * A record of one empty value would be a blank line (no record at all): ours writes `""`. csv-stringify
 * has only `quoted_empty` (every empty value quoted), so a wrapper must write that record itself; it
 * never occurs with ten columns, and this check is its whole cost here.
 */
const loneEmpty = (row: readonly string[]) => row.length === 1 && row[0] === '';

/** csv-stringify's stream: records in, text out (the header first). */
async function serializeStream(records: readonly Record<string, InputValue>[], keep = false): Promise<SerializeOutcome> {
  const stringifier = stringify({ record_delimiter: 'unix', header: true, columns: FIELDS });
  const pieces: string[] = [];
  let chars = 0;
  stringifier.on('data', (piece: Buffer | string) => {
    chars += piece.length;
    if (keep) pieces.push(piece.toString());
  });
  const rows = function* () {
    for (const record of records) {
      const row = rowOf(record);
      if (loneEmpty(row)) throw new Error('a record of one empty value: written by the wrapper itself');
      yield row;
    }
  };
  await pipeline(Readable.from(rows()), stringifier, new Writable({ objectMode: true, write: (_c, _e, cb) => cb() }));
  return keep ? { chars, text: pieces.join('') } : { chars };
}

/** csv-stringify's sync API, one call per 1,000 records (what a batch cutter could call). */
function serializeSync(records: readonly Record<string, InputValue>[], keep = false): SerializeOutcome {
  let chars = 0;
  const all: string[] = [];
  const head = stringifySync([FIELDS], { record_delimiter: 'unix' });
  chars += head.length;
  if (keep) all.push(head);
  for (let i = 0; i < records.length; i += 1000) {
    const rows = records.slice(i, i + 1000).map(rowOf);
    if (rows.some(loneEmpty)) throw new Error('a record of one empty value: written by the wrapper itself');
    const text = stringifySync(rows, { record_delimiter: 'unix' });
    chars += text.length;
    if (keep) all.push(text);
  }
  return keep ? { chars, text: all.join('') } : { chars };
}

// ---------------------------------------------------------------------------------------------
// The rounds.

interface Contender {
  readonly label: string;
  readonly run: () => Promise<unknown>;
}

interface Case {
  readonly pair: string;
  readonly input: string;
  readonly bytes: number;
  readonly ours: Contender;
  readonly libraries: readonly Contender[];
}

interface Timing {
  readonly seconds: number;
  readonly cpu: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

await mkdir(dir, { recursive: true });
try {
  const target = megabytes * 1e6;
  for (const format of ['csv', 'json', 'xml'] as const) await generate(join(dir, `plain.${format}`), format, target);
  const plainCsv = await readFile(join(dir, 'plain.csv'));
  const plain = plainRecords(plainCsv.toString());
  const allWide = wideRecords(plain);
  /** The wide records that make about `target` bytes in a format (records count as the plain file's do). */
  const sized = (text: (records: readonly string[][]) => string) => {
    const whole = Buffer.from(text(allWide));
    return Buffer.from(text(allWide.slice(0, Math.round((allWide.length * target) / whole.length))));
  };
  const wide = allWide.slice(0, Math.round((allWide.length * target) / Buffer.byteLength(csvText(allWide, false))));
  const inputs = {
    csvPlain: input('csv: Accounts (data.ts)', plainCsv),
    csvQuoted: input('csv: Accounts, every field quoted', Buffer.from(csvText(plain, true))),
    csvWide: input(
      'csv: multi-byte, commas, quotes, line breaks',
      sized((r) => csvText(r, false)),
    ),
    jsonPlain: input('json: Accounts (data.ts)', await readFile(join(dir, 'plain.json'))),
    jsonWide: input('json: multi-byte, escapes', sized(jsonText)),
    xmlPlain: input('xml: Accounts (data.ts)', await readFile(join(dir, 'plain.xml'))),
    xmlWide: input('xml: multi-byte, entities, line breaks', sized(xmlText)),
  };
  const plainObjects = recordObjects(plain);
  const wideObjects = recordObjects(wide);

  const ourParser = (format: 'csv' | 'json' | 'xml') => () => [new RecordParser({ format, source: SOURCE })];
  const csvCases = (i: Input): Case => ({
    pair: 'CSV records',
    input: i.name,
    bytes: i.bytes,
    ours: { label: 'RecordParser (CsvDecoder)', run: () => run(i.chunks, ourParser('csv')) },
    libraries: [
      { label: 'csv-parse + wrapper, raw (line, column, field)', run: () => run(i.chunks, () => [csvParseRecords(true)]) },
      { label: 'csv-parse + wrapper (line, field; no column)', run: () => run(i.chunks, () => [csvParseRecords(false)]) },
    ],
  });
  const queryCase = (i: Input): Case => ({
    pair: 'CSV query results',
    input: i.name,
    bytes: i.bytes,
    ours: {
      label: 'readCsvRecords',
      run: async () => {
        let n = 0;
        for await (const batch of readCsvRecords(Readable.from(i.chunks), { source: SOURCE })) n += batch.length;
        return n;
      },
    },
    libraries: [
      {
        label: 'csv-parse stream',
        run: async () => {
          let n = 0;
          for await (const _record of Readable.from(i.chunks).pipe(new CsvParser({ bom: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] }))) n++;
          return n;
        },
      },
    ],
  });
  const serializeCase = (name: string, records: readonly Record<string, InputValue>[]): Case => {
    const bytes = Buffer.byteLength(serializeOurs(records, true).text as string);
    return {
      pair: 'CSV payload lines',
      input: name,
      bytes,
      ours: { label: "recordSerializer('CSV')", run: async () => serializeOurs(records) },
      libraries: [
        { label: 'csv-stringify stream + wrapper', run: () => serializeStream(records) },
        { label: 'csv-stringify sync per 1,000 + wrapper', run: async () => serializeSync(records) },
      ],
    };
  };
  const jsonCase = (i: Input): Case => ({
    pair: 'JSON array',
    input: i.name,
    bytes: i.bytes,
    ours: { label: 'RecordParser (JsonArrayDecoder)', run: () => run(i.chunks, ourParser('json'), false) },
    libraries: [{ label: 'stream-json parser + StreamArray + wrapper (no lines)', run: () => run(i.chunks, streamJsonStages, false) }],
  });
  const xmlCase = (i: Input): Case => ({
    pair: 'XML records',
    input: i.name,
    bytes: i.bytes,
    ours: { label: 'RecordParser (XmlDecoder)', run: () => run(i.chunks, ourParser('xml')) },
    libraries: [{ label: 'sax + wrapper', run: () => run(i.chunks, () => [new SaxRecords()]) }],
  });

  const cases: Case[] = [
    ...(pairs.has('csv') ? [csvCases(inputs.csvPlain), csvCases(inputs.csvQuoted), csvCases(inputs.csvWide)] : []),
    ...(pairs.has('query') ? [queryCase(inputs.csvPlain), queryCase(inputs.csvQuoted), queryCase(inputs.csvWide)] : []),
    ...(pairs.has('serialize') ? [serializeCase('records: Accounts (data.ts)', plainObjects), serializeCase('records: multi-byte, commas, quotes, line breaks', wideObjects)] : []),
    ...(pairs.has('json') ? [jsonCase(inputs.jsonPlain), jsonCase(inputs.jsonWide)] : []),
    ...(pairs.has('xml') ? [xmlCase(inputs.xmlPlain), xmlCase(inputs.xmlWide)] : []),
  ];

  // The same job: both sides read the same records (count, lines, values) or write the same text.
  for (const c of cases) {
    if (c.pair === 'CSV payload lines') {
      const records = c.input.startsWith('records: Accounts') ? plainObjects : wideObjects;
      const ours = serializeOurs(records, true).text;
      const stream = (await serializeStream(records, true)).text;
      const sync = serializeSync(records, true).text;
      if (ours !== stream || ours !== sync) throw new Error(`${c.input}: csv-stringify writes other text than ours`);
      continue;
    }
    const ours = JSON.stringify(await c.ours.run());
    for (const library of c.libraries) {
      const theirs = JSON.stringify(await library.run());
      if (theirs !== ours) throw new Error(`${c.pair}, ${c.input}: ${library.label} read ${theirs}, ours ${ours}`);
    }
  }

  // Bad input: whether each side costs a bad record only that record, with its place (not timed).
  const faultRows: string[][] = [];
  const told = async (stages: () => readonly NodeJS.ReadWriteStream[], text: string): Promise<string> => {
    const sink = new Counter(true);
    const errors: string[] = [];
    const capture = new Transform({
      objectMode: true,
      transform(record: InputRecord, _e, cb) {
        if (record.error !== undefined) errors.push(/\(([^()]*)\):[^()]*--$/.exec(record.error)?.[1] ?? record.error);
        cb(null, record);
      },
    });
    try {
      await pipeline(Readable.from([Buffer.from(text)], { objectMode: false }), ...(stages() as [Transform]), capture, sink);
    } catch (err) {
      return `${sink.records} records, then the stream fails: ${(err as Error).message.slice(0, 80)}`;
    }
    return `${sink.records} records, ${errors.length} rejected: ${errors.join('; ')}`;
  };
  const badCsv = 'a,b,c\n1,2,3\n4,O"Brien,6\n7,"q"x,9\n10,11\n13,14,15\n';
  const badJson = '[{"a":"1"},\n{"a":"2\n"},\n{"a":"3"},\n{"a" 4},\n{"a":"5"}]\n';
  const badXml = '<sObjects>\n<sObject><a>1</a></sObject>\n<sObject><a>2</b></sObject>\n<sObject><a>3</a></sObject>\n</sObjects>\n';
  for (const [name, text, ours, library] of [
    ['CSV: a stray quote, text after a closing quote, a short record', badCsv, ourParser('csv'), () => [csvParseRecords(true)]],
    ['JSON: a line break in a string, a missing colon', badJson, ourParser('json'), streamJsonStages],
    ['XML: a mismatched end tag', badXml, ourParser('xml'), () => [new SaxRecords()]],
  ] as const) {
    faultRows.push([name, await told(ours, text), await told(library, text)]);
  }

  const samples = new Map<Contender, Timing[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const order = round % 2 === 0 ? [c.ours, ...c.libraries] : [...c.libraries, c.ours];
      for (const contender of order) {
        const timing = await timed(contender.run);
        samples.set(contender, [...(samples.get(contender) ?? []), timing]);
      }
    }
    process.stderr.write(`round ${round + 1} of ${rounds}\n`);
  }

  const rows: (string | number)[][] = [];
  for (const c of cases) {
    const mb = c.bytes / 1e6;
    const of = (x: Contender) => {
      const s = samples.get(x) as Timing[];
      return { mbs: mb / median(s.map((t) => t.seconds)), cpu: median(s.map((t) => t.cpu)) };
    };
    const ours = of(c.ours);
    for (const library of c.libraries) {
      const lib = of(library);
      rows.push([
        c.pair,
        c.input,
        fmt(mb, 1),
        library.label,
        fmt(ours.mbs, 1),
        fmt(lib.mbs, 1),
        fmt(ours.mbs / lib.mbs, 2),
        fmt(ours.cpu, 3),
        fmt(lib.cpu, 3),
        fmt(mb / ours.cpu, 1),
        fmt(mb / lib.cpu, 1),
        fmt(lib.cpu / ours.cpu, 2),
      ]);
    }
  }
  console.log(`${environment()}; ${rounds} interleaved rounds, medians; ${CHUNK / 1024} KiB chunks`);
  console.log(
    table(
      [
        'pair',
        'input',
        'MB',
        'library (as wrapped)',
        'ours MB/s',
        'library MB/s',
        'ratio (wall)',
        'ours CPU-s',
        'library CPU-s',
        'ours MB/CPU-s',
        'library MB/CPU-s',
        'ratio (CPU)',
      ],
      rows,
    ),
  );
  console.log(`\nBad input (each line a record; the good ones must all come out):\n`);
  console.log(table(['input', 'ours', 'library (as wrapped)'], faultRows));
} finally {
  await rm(dir, { recursive: true, force: true });
}
