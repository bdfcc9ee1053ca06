/**
 * The jobs a client made or read, with what it needs of each without asking again (a v1 job's content
 * type: a batch's Content-Type, a close's body; a 2.0 job's CSV dialect), and the jobs a search for a
 * lost create answer passes over. Bounded: the oldest are forgotten, and a forgotten job is asked for again.
 */
import type { ContentType } from '../types.js';

/** Jobs remembered; the oldest are forgotten. */
const MAX_KNOWN_JOBS = 256;

export class KnownJobs<T = ContentType> {
  /** jobId -> what is known of it (insertion order = age). */
  readonly #jobs = new Map<string, T>();

  has(jobId: string): boolean {
    return this.#jobs.has(jobId);
  }

  get(jobId: string): T | undefined {
    return this.#jobs.get(jobId);
  }

  remember(jobId: string, value: T): void {
    if (this.#jobs.has(jobId)) return;
    this.#jobs.set(jobId, value);
    if (this.#jobs.size > MAX_KNOWN_JOBS) this.#jobs.delete(this.#jobs.keys().next().value as string);
  }

  forget(jobId: string): void {
    this.#jobs.delete(jobId);
  }
}
