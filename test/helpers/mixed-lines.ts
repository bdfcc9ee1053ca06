/**
 * CSV input whose line ends mix LF, CRLF and a CR alone (as files pasted together from several
 * systems do), with quoted values that hold line ends of each kind, and what a reader must make
 * of it: each record's fields and the line it starts on (each line end one line, a CR alone too).
 */

const ENDS = ['\n', '\r\n', '\r'] as const;

interface MixedRow {
  readonly row: number;
  readonly line: number;
  readonly fields: Record<string, string>;
}

export interface MixedCsv {
  readonly text: string;
  readonly rows: readonly MixedRow[];
}

/** `count` rows of Name,Phone,Note after a header; the line ends cycle through LF, CRLF and CR, every 7th Note is quoted across lines. */
export function mixedCsv(count: number, prefix = 'Mixed'): MixedCsv {
  let text = `Name,Phone,Note${ENDS[2]}`;
  let line = 2;
  const rows: MixedRow[] = [];
  for (let row = 1; row <= count; row++) {
    const end = ENDS[row % 3] as string;
    const inner = ENDS[(row + 1) % 3] as string;
    const note = row % 7 === 0 ? `two${inner}lines, "quoted"` : `note ${row}`;
    const written = row % 7 === 0 ? `"${note.replace(/"/g, '""')}"` : note;
    text += `${prefix} ${row},555-${row},${written}${end}`;
    rows.push({ row, line, fields: { Name: `${prefix} ${row}`, Phone: `555-${row}`, Note: note } });
    line += 1 + (row % 7 === 0 ? 1 : 0);
  }
  return { text, rows };
}

/** Cuts bytes into chunks of the sizes `size()` gives, 1 or more. */
export function chunked(bytes: Buffer, size: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, size());
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

/** A seeded generator of chunk sizes from 1 to `most`. */
export function randomSizes(seed: number, most: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return 1 + (state % most);
  };
}
