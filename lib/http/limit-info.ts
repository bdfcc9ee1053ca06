/**
 * The org's daily budget as a client sees it: the `Sforce-Limit-Info` header Salesforce puts on REST
 * answers (`api-usage=USED/MAX`, at times followed by `, per-app-api-usage=...`: REST API Developer
 * Guide, "Limit Info Header"; jsforce reads it into `conn.limitInfo`), and the `/limits` resource
 * (`{ Name: { Max, Remaining } }`).
 */

/** The org's DailyApiRequests as of the latest answer that carried `Sforce-Limit-Info`. */
export interface ApiUsage {
  /** Requests made in the last 24 hours, by every user and integration of the org. */
  readonly used: number;
  /** The org's daily allocation. */
  readonly max: number;
}

/** One limit of `GET /services/data/vXX.X/limits`: its allocation and what is left of it. */
export interface OrgLimit {
  readonly Max: number;
  readonly Remaining: number;
}

/** Every limit the org reports, by name (`DailyApiRequests`, `DailyBulkApiBatches`, `DailyBulkV2QueryJobs`, ...). */
export type OrgLimits = Readonly<Record<string, OrgLimit>>;

/** `api-usage=25/5000[, per-app-api-usage=...]` to `{ used: 25, max: 5000 }`; undefined when it has no api-usage. */
export function parseLimitInfo(header: string): ApiUsage | undefined {
  const match = /(?:^|[\s,])api-usage=(\d+)\/(\d+)/.exec(header);
  return match ? { used: Number(match[1]), max: Number(match[2]) } : undefined;
}

/** The body of `/limits`, checked: only entries with a numeric Max and Remaining are kept. */
export function parseOrgLimits(body: Buffer): OrgLimits {
  const parsed = JSON.parse(body.toString('utf8')) as unknown;
  const out: Record<string, OrgLimit> = {};
  if (typeof parsed !== 'object' || parsed === null) return out;
  for (const [name, value] of Object.entries(parsed)) {
    const { Max, Remaining } = (value ?? {}) as Record<string, unknown>;
    if (typeof Max === 'number' && typeof Remaining === 'number') out[name] = { Max, Remaining };
  }
  return out;
}
