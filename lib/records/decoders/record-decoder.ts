/** The per-format core of RecordParser: takes byte chunks, calls `emit` once per record, in order. */
import type { InputValue } from '../../load-types.js';

export type EmitRecord = (fields: Record<string, InputValue>, line?: number) => void;

export interface RecordDecoder {
  /** Throws ParseError on malformed input. */
  write(chunk: Buffer, emit: EmitRecord): void;
  end(emit: EmitRecord): void;
}

/** Settings every decoder takes: the name used in errors, and the most bytes one record may hold. */
export interface DecoderSettings {
  readonly source: string;
  readonly maxRecordBytes: number;
}
