/**
 * One status line redrawn in place on a terminal (stderr), at most a few times a second, and wiped
 * before anything else is printed. Off when the stream is not a terminal, or with --quiet.
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

  /** Draws `text()` unless the last draw was too recent; `force` draws anyway. */
  update(text: () => string, force = false): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (!force && now - this.#last < MIN_INTERVAL_MS) return;
    this.#last = now;
    const columns = (this.#stream as { columns?: number }).columns ?? 120;
    this.#stream.write(`\r\x1b[2K${text().slice(0, Math.max(20, columns - 1))}`);
    this.#drawn = true;
  }

  clear(): void {
    if (!this.#drawn) return;
    this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
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
