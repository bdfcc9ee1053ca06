/**
 * Fault injection for client tests, deterministic for a seed: added latency, a rate of 5xx
 * answers, dropped connections (before or after the request body is read), sessions that expire
 * after N seconds, batches held InProgress for a while, DML rows failed on a lock they never took
 * (`lockFail`: a seeded share of rows, chosen by their values, fails its first `lockFailTimes`
 * attempts with UNABLE_TO_LOCK_ROW and writes nothing; beside the org's real row locks, a
 * deterministic failure for the client's record retry). Spec form for `--faults`:
 * `seed=7,latency=20-80,error5xx=0.1,drop=0.05,dropAfterBody=0.05,sessionTtl=30,holdInProgress=500,lockFail=0.2,lockFailTimes=1`.
 */
import { isValidId } from '../lib/ids.js';
import { InvalidOptionError } from '../lib/errors.js';
import { resultError } from '../lib/records/field-values.js';
import type { RowOutcome } from './processing/dml.js';

export interface FaultOptions {
  /** Seed of the pseudo-random sequence; default 1. */
  readonly seed?: number;
  /** Added latency per request, ms: a fixed value or [min, max]. */
  readonly latencyMs?: number | readonly [number, number];
  /** Share of Bulk API requests answered 503 (0 to 1). */
  readonly error5xxRate?: number;
  /** Share of requests whose connection is dropped before the body is read. */
  readonly dropBeforeBodyRate?: number;
  /** Share of requests whose connection is dropped after the body is read and acted upon (a lost answer). */
  readonly dropAfterBodyRate?: number;
  /** Sessions expire after this many seconds. */
  readonly sessionTtlSeconds?: number;
  /** Batches stay InProgress at least this long, ms. */
  readonly holdInProgressMs?: number;
  /** Share of DML rows (chosen by their values and the seed) that fail with UNABLE_TO_LOCK_ROW, unwritten (0 to 1). */
  readonly lockFailRate?: number;
  /** How many attempts of a chosen row fail before one goes through; default 1. */
  readonly lockFailTimes?: number;
}

/** The id a lock failure names when the row holds none (an Account's, as a child's parent would be). */
const SOME_PARENT = '001000000000000AAA';

/** mulberry32: small, fast, good enough to make failures repeatable. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  readonly options: FaultOptions;
  readonly #random: () => number;
  /** The attempts seen of each row chosen to fail on a lock, by its values. */
  readonly #lockAttempts = new Map<string, number>();

  constructor(options: FaultOptions = {}) {
    for (const key of ['error5xxRate', 'dropBeforeBodyRate', 'dropAfterBodyRate', 'lockFailRate'] as const) {
      const rate = options[key];
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new InvalidOptionError(`faults.${key}`, 'a number from 0 to 1', rate);
    }
    this.options = options;
    this.#random = mulberry32(options.seed ?? 1);
  }

  /** Parses the `--faults` form. */
  static parse(spec: string): Faults {
    const options: Record<string, unknown> = {};
    for (const part of spec
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [key, value = ''] = part.split('=');
      const num = Number(value);
      switch (key) {
        case 'seed':
          options.seed = num;
          break;
        case 'latency': {
          const [min, max] = value.split('-').map(Number);
          options.latencyMs = max === undefined ? min : [min, max];
          break;
        }
        case 'error5xx':
          options.error5xxRate = num;
          break;
        case 'drop':
          options.dropBeforeBodyRate = num;
          break;
        case 'dropAfterBody':
          options.dropAfterBodyRate = num;
          break;
        case 'sessionTtl':
          options.sessionTtlSeconds = num;
          break;
        case 'holdInProgress':
          options.holdInProgressMs = num;
          break;
        case 'lockFail':
          options.lockFailRate = num;
          break;
        case 'lockFailTimes':
          options.lockFailTimes = num;
          break;
        default:
          throw new InvalidOptionError('faults', 'seed, latency, error5xx, drop, dropAfterBody, sessionTtl, holdInProgress, lockFail or lockFailTimes', key);
      }
      if (key !== 'latency' && !Number.isFinite(num)) throw new InvalidOptionError(`faults ${key}`, 'a number', value);
    }
    return new Faults(options as FaultOptions);
  }

  latency(): number {
    const l = this.options.latencyMs;
    if (l === undefined) return 0;
    if (typeof l === 'number') return l;
    return l[0] + Math.floor(this.#random() * (l[1] - l[0] + 1));
  }

  /** What to do with this request: nothing, a 503, or drop the connection before or after the body. */
  decide(): 'none' | 'error5xx' | 'dropBeforeBody' | 'dropAfterBody' {
    const r = this.#random();
    const { error5xxRate = 0, dropBeforeBodyRate = 0, dropAfterBodyRate = 0 } = this.options;
    if (r < error5xxRate) return 'error5xx';
    if (r < error5xxRate + dropBeforeBodyRate) return 'dropBeforeBody';
    if (r < error5xxRate + dropBeforeBodyRate + dropAfterBodyRate) return 'dropAfterBody';
    return 'none';
  }

  /**
   * A DML row's lock failure, or undefined to apply it: a row is chosen by a hash of its values and
   * the seed (the same row is chosen whichever batch or job carries it), and fails its first
   * `lockFailTimes` attempts in this server's life, in Salesforce's words, naming the record it
   * could not lock (the row's first id, as a child names its parent; else an Account's).
   */
  lockFailure(row: readonly (string | null | undefined)[]): RowOutcome | undefined {
    const rate = this.options.lockFailRate ?? 0;
    if (rate === 0) return undefined;
    const key = row.map((v) => (v === null ? '\u0000' : (v ?? ''))).join('\u0001');
    if (share(key, this.options.seed ?? 1) >= rate) return undefined;
    const seen = this.#lockAttempts.get(key) ?? 0;
    if (seen >= (this.options.lockFailTimes ?? 1)) return undefined;
    this.#lockAttempts.set(key, seen + 1);
    const locked = row.find((v): v is string => typeof v === 'string' && (v.length === 15 || v.length === 18) && isValidId(v)) ?? SOME_PARENT;
    return { id: null, success: false, created: false, errors: [resultError('UNABLE_TO_LOCK_ROW', `unable to obtain exclusive access to this record or 1 records: ${locked}`)] };
  }
}

/** A key's place in [0, 1) for a seed: FNV-1a, so that a row's choice depends on nothing but its values. */
function share(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return mulberry32(h)();
}
