/** Generates the same narrow records (10 fields) as CSV, NDJSON, a JSON array or XML, to a file of about `bytes`. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export type DataFormat = 'csv' | 'ndjson' | 'json' | 'xml';

const FIELDS = ['Name', 'AccountNumber', 'Site', 'Phone', 'Website', 'NumberOfEmployees', 'AnnualRevenue', 'BillingCity', 'BillingCountry', 'Industry'];

function values(n: number): string[] {
  return [`Account ${n}`, `AN-${n}`, `Site ${n % 97}`, `555-${String(n % 10_000).padStart(4, '0')}`, `https://example.com/${n}`, String(n % 5000), String((n % 1000) * 1000.5), `City ${n % 313}`, `Country ${n % 41}`, `Industry ${n % 17}`];
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
export async function generate(path: string, format: DataFormat, bytes: number): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const head = format === 'csv' ? `${FIELDS.join(',')}\n` : format === 'json' ? '[' : format === 'xml' ? '<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n' : '';
  const tail = format === 'json' ? ']\n' : format === 'xml' ? '</sObjects>\n' : '';
  let written = head.length;
  out.write(head);
  let n = 0;
  let buffer = '';
  while (written < bytes) {
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
