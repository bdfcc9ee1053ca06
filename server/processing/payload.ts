/**
 * A batch-level failure of the local org: the batch becomes Failed with this `stateMessage`
 * (`<ExceptionCode> : <message>`, wire §6.4). Payloads are read with the shared reader of lib/.
 */
import { PayloadError } from '../../lib/errors.js';
import { openBatchPayload, type BatchPayload, type PayloadRowCheck } from '../../lib/wire/batch-payload.js';
import type { DataFormat } from '../../lib/wire/content-types.js';

export type { BatchPayload, PayloadRow } from '../../lib/wire/batch-payload.js';

export class BatchFailure extends Error {
  constructor(
    readonly exceptionCode: string,
    message: string,
  ) {
    super(message);
  }
  get stateMessage(): string {
    return `${this.exceptionCode} : ${this.message}`;
  }
}

/**
 * Reads an uploaded batch through (`check` sees each row); an unreadable one fails with InvalidBatch,
 * an empty one with ClientInputError. Its rows are then read a chunk at a time.
 */
export function readPayload(data: string | Uint8Array, format: DataFormat, check?: PayloadRowCheck): BatchPayload {
  try {
    return openBatchPayload(data, format, check);
  } catch (err) {
    if (err instanceof PayloadError) throw new BatchFailure(err.empty ? 'ClientInputError' : 'InvalidBatch', err.reason);
    throw err;
  }
}
