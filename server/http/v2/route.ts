/** A Bulk API 2.0 request (`/services/data/vXX.X/jobs/ingest|query...`) after the REST API has checked its session. */
export interface V2Route {
  /** The API version of the path, `62.0`. */
  readonly version: string;
  /** `/services/data/v62.0`. */
  readonly base: string;
  /** The user of the request's session. */
  readonly userId: string;
  /** The path after `/jobs/ingest` or `/jobs/query`: `''`, `/<jobId>`, `/<jobId>/batches`, ... (no trailing slash). */
  readonly tail: string;
}
