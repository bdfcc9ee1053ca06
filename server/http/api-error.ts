/** An error answer of the local org: HTTP status plus the Bulk API `exceptionCode` and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly exceptionCode: string,
    message: string,
    /** For a 405: the methods the resource takes (its `Allow` header). */
    readonly allow?: string,
  ) {
    super(message);
  }
}

export const invalidSession = () => new ApiError(400, 'InvalidSessionId', 'Invalid session id');
