/**
 * One status line redrawn in place on a terminal (stderr), at most a few times a second, fitted to
 * the terminal's width, and wiped before anything else is printed. Off when the stream is not a
 * terminal, or with --quiet.
 */
import type { Writable } from 'node:stream';

const MIN_INTERVAL_MS = 250;

export class ProgressLine {
  readonly #stream: Writable;
  readonly #enabled: boolean;
  #last = 0;
  #drawn = false;

  constructor(stream: Writable, enabled: boolean) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  /**
   * Draws the fields (most important first) unless the last draw was too recent; `force` draws
   * anyway. What does not fit the terminal's width is left out from the end, a whole field at a
   * time; a first field too long alone is cut at a word.
   */
  update(fields: () => readonly string[], force = false): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#last < MIN_INTERVAL_MS) return;
    this.#last = now;
    const columns = (this.#stream as { columns?: number }).columns ?? 120;
    this.#stream.write(`\r\x1b[2K${fitLine(fields().filter(Boolean), Math.max(20, columns - 1))}`);
    this.#drawn = true;
  }

  clear(): void {
    if (!this.#drawn) return;
    this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

const SEPARATOR = ' | ';

/** The fields joined within `width`: the last ones dropped whole; a first field too long cut at its last space that fits. */
export function fitLine(fields: readonly string[], width: number): string {
  let line = '';
  for (const field of fields) {
    const next = line === '' ? field : `${line}${SEPARATOR}${field}`;
    if (next.length > width) break;
    line = next;
  }
  if (line !== '' || fields.length === 0) return line;
  const first = fields[0] as string;
  const cut = first.lastIndexOf(' ', width);
  return cut > 0 ? first.slice(0, cut) : first.slice(0, width);
}

/**
 * A rate over the last `windowMs` (10 s by default), not since the start: it shows what the run
 * does now, and nothing until there are two samples a second apart (no "0 rec/s" at the start).
 */
export class RecentRate {
  readonly #windowMs: number;
  readonly #samples: Array<[at: number, total: number]> = [];

  constructor(windowMs = 10_000) {
    this.#windowMs = windowMs;
  }

  /** Records the running total at `at` (ms) and returns the rate per second, or undefined when it cannot be told yet. */
  sample(total: number, at = Date.now()): number | undefined {
    this.#samples.push([at, total]);
    while (this.#samples.length > 2 && at - (this.#samples[1] as [number, number])[0] >= this.#windowMs) this.#samples.shift();
    const [firstAt, firstTotal] = this.#samples[0] as [number, number];
    const seconds = (at - firstAt) / 1000;
    return seconds >= 1 ? Math.max(0, (total - firstTotal) / seconds) : undefined;
  }
}

/** 1234567 -> "1,234,567". */
export const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** "1 batch", "3 batches". */
export const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Seconds as "42s", "3m05s" or "2h07m". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
