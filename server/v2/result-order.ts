/**
 * The order in which an ingest job's result rows are served. Salesforce does not keep input order
 * ("the order of records ... is not guaranteed to match the ordering of records in the original
 * job data", spec §3.9), so neither does the local org, on purpose: internal batches last to first,
 * and within each a fixed permutation of its rows. A client that joins results by position is caught
 * here, not in production; every row still comes exactly once.
 */

/** Two primes above the batch size: one of them is coprime with any row count up to 10,000 × 7,907. */
const STRIDES = [7919, 7907] as const;

/** Row indexes 0..n-1 in the served order: k -> (k × stride + ⌊n/2⌋) mod n, a bijection as gcd(stride, n) = 1. */
export function* permutedRows(n: number): Generator<number> {
  const stride = n % STRIDES[0] === 0 ? STRIDES[1] : STRIDES[0];
  const offset = Math.floor(n / 2);
  for (let k = 0; k < n; k++) yield (k * stride + offset) % n;
}

/** Batches in the served order: last uploaded first. */
export const servedBatchOrder = <T>(batches: readonly T[]): T[] => [...batches].reverse();
