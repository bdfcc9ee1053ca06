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

/** 1234567 -> "1,234,567". */
export const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** A rate, to two or three figures: 950, 9.5k, 230k, 1.2M (a smoothed rate has no more to tell). */
export function compact(n: number): string {
  if (n < 1000) return count(n);
  if (n < 9_950) return `${(n / 1000).toFixed(1)}k`;
  if (n < 999_500) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(n < 9_950_000 ? 1 : 0)}M`;
}

/** "1 batch", "3 batches". */
export const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** Seconds as "42s", "3m05s" or "2h07m". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
