/**
 * Fault injection for client tests, deterministic for a seed: added latency, a rate of 5xx
 * answers, dropped connections (before or after the request body is read), sessions that expire
 * after N seconds, batches held InProgress for a while. Spec form for `--faults`:
 * `seed=7,latency=20-80,error5xx=0.1,drop=0.05,dropAfterBody=0.05,sessionTtl=30,holdInProgress=500`.
 */
import { InvalidOptionError } from '../lib/errors.js';

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
}

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

  constructor(options: FaultOptions = {}) {
    for (const key of ['error5xxRate', 'dropBeforeBodyRate', 'dropAfterBodyRate'] as const) {
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
        default:
          throw new InvalidOptionError('faults', 'seed, latency, error5xx, drop, dropAfterBody, sessionTtl or holdInProgress', key);
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
}
