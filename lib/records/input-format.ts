/** The input formats a load reads, and the one a file's extension names: apart from the parser, so that the CLI's help loads no parser (issue 28). */
import { extname } from 'node:path';

export const INPUT_FORMATS = ['csv', 'ndjson', 'json', 'xml'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const EXTENSIONS: Readonly<Record<string, InputFormat>> = { '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.json': 'json', '.xml': 'xml' };

/** The input format a file's extension says (`.csv`, `.ndjson`/`.jsonl`, `.json`, `.xml`), if any. */
export function formatOfPath(path: string): InputFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}
