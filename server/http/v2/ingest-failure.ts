/** A refused Bulk API 2.0 ingest request: thrown by the handlers, answered by ingest-jobs.ts as `[{"errorCode","message"}]`. */
export class IngestFailure extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Unknown id, deleted job, another user's job, or a resource that is not there (spec §0, docs). */
export const notFound = (): IngestFailure => new IngestFailure(404, 'NOT_FOUND', 'The requested resource does not exist');
