/**
 * The jobs a client made or read, with their content type: the format it speaks to each (a batch's
 * Content-Type, a close's body) without asking again, and the jobs a search for a lost create answer
 * passes over. Bounded: the oldest are forgotten, and a forgotten job is asked for again.
 */
import type { ContentType } from '../types.js';

/** Jobs remembered; the oldest are forgotten. */
const MAX_KNOWN_JOBS = 256;

export class KnownJobs {
  /** jobId -> content type (insertion order = age). */
  readonly #jobs = new Map<string, ContentType>();

  has(jobId: string): boolean {
    return this.#jobs.has(jobId);
  }

  contentType(jobId: string): ContentType | undefined {
    return this.#jobs.get(jobId);
  }

  remember(jobId: string, contentType: ContentType): void {
    if (this.#jobs.has(jobId)) return;
    this.#jobs.set(jobId, contentType);
    if (this.#jobs.size > MAX_KNOWN_JOBS) this.#jobs.delete(this.#jobs.keys().next().value as string);
  }

  forget(jobId: string): void {
    this.#jobs.delete(jobId);
  }
}
