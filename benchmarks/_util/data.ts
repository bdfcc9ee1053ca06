/** Generates the same narrow records (10 fields) as CSV, NDJSON, a JSON array or XML, to a file of about `bytes`. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export type DataFormat = 'csv' | 'ndjson' | 'json' | 'xml';

/** The 10 fields of the benchmarks' Account records. */
export const FIELDS = ['Name', 'AccountNumber', 'Site', 'Phone', 'Website', 'NumberOfEmployees', 'AnnualRevenue', 'BillingCity', 'BillingCountry', 'Industry'];

/** Record `n`'s values, in FIELDS order. */
export function values(n: number): string[] {
  return [
    `Account ${n}`,
    `AN-${n}`,
    `Site ${n % 97}`,
    `555-${String(n % 10_000).padStart(4, '0')}`,
    `https://example.com/${n}`,
    String(n % 5000),
    String((n % 1000) * 1000.5),
    `City ${n % 313}`,
    `Country ${n % 41}`,
    `Industry ${n % 17}`,
  ];
}

function line(format: DataFormat, n: number, first: boolean): string {
  const v = values(n);
  if (format === 'csv') return `${v.join(',')}\n`;
  const object = Object.fromEntries(FIELDS.map((f, i) => [f, v[i]]));
  if (format === 'ndjson') return `${JSON.stringify(object)}\n`;
  if (format === 'json') return `${first ? '' : ',\n'}${JSON.stringify(object)}`;
  return `<sObject>${FIELDS.map((f, i) => `<${f}>${v[i]}</${f}>`).join('')}</sObject>\n`;
}

/** Writes about `bytes` of records; resolves to the number of records. */
export function generate(path: string, format: DataFormat, bytes: number): Promise<number> {
  return write(path, format, (written) => written < bytes);
}

/** Writes exactly `records` records. */
export async function generateRecords(path: string, format: DataFormat, records: number): Promise<void> {
  await write(path, format, (_written, n) => n < records);
}

/** The one body batch text of the first `records` records, as the CSV generator writes them (header first). */
export function csvBatch(first: number, records: number): string {
  let out = `${FIELDS.join(',')}\n`;
  for (let n = first; n < first + records; n++) out += line('csv', n, n === first);
  return out;
}

async function write(path: string, format: DataFormat, more: (written: number, records: number) => boolean): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const head =
    format === 'csv'
      ? `${FIELDS.join(',')}\n`
      : format === 'json'
        ? '['
        : format === 'xml'
          ? '<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n'
          : '';
  const tail = format === 'json' ? ']\n' : format === 'xml' ? '</sObjects>\n' : '';
  let written = head.length;
  out.write(head);
  let n = 0;
  let buffer = '';
  while (more(written, n)) {
    const text = line(format, n, n === 0);
    buffer += text;
    written += text.length;
    n++;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.write(buffer + tail);
  out.end();
  await once(out, 'close');
  return n;
}
