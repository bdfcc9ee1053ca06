/** A refused Bulk API 2.0 request (ingest or query): thrown by the handlers, answered as `[{"errorCode","message"}]`. */
export class V2Failure extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Unknown id, deleted job, another user's job, or a resource that is not there (spec §0, docs). */
export const notFound = (): V2Failure => new V2Failure(404, 'NOT_FOUND', 'The requested resource does not exist');
