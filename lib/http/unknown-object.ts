/**
 * An object name the org does not know, said with the org's nearest one (issue 27). The org says it
 * in several ways: a describe's 404 `NOT_FOUND` (REST), a v1 job create's `InvalidJob` "Unable to
 * find object: X" (spec bulk-api-v1.md §6; the local org's words), a 2.0 job create's `INVALIDJOB`
 * "InvalidJob : Unable to find object: X" (spec bulk-api-v2.md §3.2, a real v47 capture) and a 2.0
 * query create's `INVALID_TYPE` "sObject type 'X' is not supported" (the SOQL error; which code a
 * real org sends there is unconfirmed, spec §4.2; `INVALIDENTITY` "Entity 'X' is not supported by
the Bulk API" is seen for objects the Bulk API does not serve, airbyte #13088). Only on such an answer is the org's list of
 * objects read (describeGlobal: one request, on the failure path only); a name the list holds as
 * given was not the fault, and the org's own error stands.
 */
import { BulkApiError, UnknownObjectError } from '../errors.js';
import { nearestName } from '../load/column-check.js';
import type { BulkClient } from './client.js';

/** The error to throw for `err`: an UnknownObjectError when the org has no object `object`, else `err` itself. */
export async function unknownObjectOr(client: BulkClient, object: string, err: unknown, signal?: AbortSignal): Promise<unknown> {
  if (!saysNoObject(err, object) || signal?.aborted) return err;
  let names: string[];
  try {
    names = (await client.describeGlobal(signal ? { signal } : {})).sobjects.map((o) => o.name);
  } catch {
    return err; // the list could not be read: the org's answer is the most that is known
  }
  // Salesforce reads object names regardless of case: `account` is Account, and the fault was elsewhere.
  const lower = object.toLowerCase();
  if (names.some((name) => name.toLowerCase() === lower)) return err;
  return new UnknownObjectError(object, nearestName(object, names), { cause: err });
}

/** Whether the org's answer says that it has no object of that name (by code and words, never by the message alone). */
function saysNoObject(err: unknown, object: string): boolean {
  if (!(err instanceof BulkApiError)) return false;
  const code = err.exceptionCode.toUpperCase();
  if (code === 'NOT_FOUND') return err.statusCode === 404 && err.method === 'GET' && isDescribeOf(err.path, object);
  if (code === 'INVALIDJOB') return /\bUnable to find object\b/i.test(err.exceptionMessage);
  // INVALIDENTITY names an object the Bulk API does not serve, which may be an unknown one too: the list tells.
  // Either may be about another object than the FROM's (a semi-join's, a TYPEOF's): only one naming it counts.
  if (code === 'INVALID_TYPE' || code === 'INVALIDENTITY') return namedIn(err.exceptionMessage).includes(object.toLowerCase());
  return false;
}

/**
 * The objects an INVALID_TYPE or INVALIDENTITY message names, in lower case: "sObject type 'X' is not
 * supported" (the SOQL error, after an echo of the query, whose own words are not taken) and "Entity 'X'
 * is not supported by the Bulk API" (airbyte #13088).
 */
function namedIn(message: string): string[] {
  return [...message.matchAll(/\b(?:sObject type|Entity) '([^']+)'/gi)].map((m) => (m[1] ?? '').toLowerCase());
}

/** Whether a request path is the REST describe of `object` (`/services/data/vXX.X/sobjects/<object>/describe`). */
function isDescribeOf(path: string, object: string): boolean {
  const named = /\/sobjects\/([^/?]+)\/describe(?:[/?]|$)/.exec(path)?.[1];
  if (named === undefined) return false;
  try {
    return decodeURIComponent(named).toLowerCase() === object.toLowerCase();
  } catch {
    return false;
  }
}
