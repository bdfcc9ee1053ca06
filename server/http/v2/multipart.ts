/**
 * Reads a `multipart/form-data` body held in memory (a multipart create is at most 100,000
 * characters of data, spec §3.4) into its named parts. Lenient as the spec asks: the boundary
 * quoted or bare, parts separated by CRLF or LF, the closing boundary with or without a line end.
 */

export interface FormPart {
  readonly name: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** The boundary of a `multipart/form-data; boundary=...` Content-Type, or undefined for another type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!/^\s*multipart\/form-data\s*(;|$)/i.test(contentType ?? '')) return undefined;
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

/** The parts between `--boundary` lines; a part without a `name` is skipped. Throws when there is no opening boundary. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error(`no multipart boundary ${boundary} in the body`);
  const parts: FormPart[] = [];
  for (;;) {
    let start = at + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // `--boundary--`: the end
    start = skipLineEnd(body, start);
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error('the multipart body ends before its closing boundary');
    // The line end before the next boundary belongs to the boundary, not to the part.
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const part = readPart(body.subarray(start, Math.max(start, end)));
    if (part) parts.push(part);
    at = next;
  }
  return parts;
}

function skipLineEnd(body: Buffer, at: number): number {
  if (body[at] === 0x0d) at++;
  if (body[at] === 0x0a) at++;
  return at;
}

function readPart(part: Buffer): FormPart | undefined {
  // Headers end at the first empty line (CRLF CRLF or LF LF).
  const crlf = part.indexOf('\r\n\r\n');
  const lf = part.indexOf('\n\n');
  const [headEnd, bodyStart] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, crlf + 4] : lf >= 0 ? [lf, lf + 2] : [part.length, part.length];
  const headers = new Map<string, string>();
  for (const line of part.subarray(0, headEnd).toString('utf8').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const name = /\bname\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(headers.get('content-disposition') ?? '');
  if (!name) return undefined;
  return { name: name[1] ?? name[2] ?? '', contentType: headers.get('content-type'), body: part.subarray(bodyStart) };
}
