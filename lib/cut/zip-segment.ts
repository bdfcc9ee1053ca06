/**
 * ZipSegment: a binary-attachment batch's zip as its segment fills: the files its records attach
 * and its manifest's bytes (counted exactly: the zip budget needs them), so that a batch is cut
 * before its zip could hold more files or bytes than it may (lib/attachments/zip-budget.ts).
 */
import { ZipBudget, zipBound, type ZipBudgetLimits } from '../attachments/zip-budget.js';
import type { AttachmentFile } from '../load-types.js';

export class ZipSegment {
  readonly #limits: ZipBudgetLimits;
  readonly #budget: ZipBudget;
  /** The open segment's payload bytes so far: the manifest's. */
  #manifestBytes = 0;

  constructor(limits: ZipBudgetLimits) {
    this.#limits = limits;
    this.#budget = new ZipBudget(limits);
  }

  /** The zip limit a record and its files break in a batch of their own, if any (`frameBytes`: the payload's head and tail). */
  limitAlone(files: readonly AttachmentFile[] = [], frameBytes: number, textBytes: number): string | undefined {
    if (files.length > this.#limits.maxFiles) return `${this.#limits.maxFiles} files`;
    const bound = zipBound(frameBytes + textBytes, files);
    return bound > this.#limits.maxBytes ? `${this.#limits.maxBytes} bytes zipped, with its ${files.length === 1 ? 'file' : `${files.length} files`}` : undefined;
  }

  /** Whether the open zip can take a record and its files (`tailBytes`: the payload's tail). */
  fits(files: readonly AttachmentFile[] | undefined, textBytes: number, tailBytes: number): boolean {
    return this.#budget.fits(files, this.#manifestBytes + textBytes + tailBytes);
  }

  /** A segment begins: its manifest holds the payload's head. */
  begin(headBytes: number): void {
    this.#manifestBytes = headBytes;
  }

  add(files: readonly AttachmentFile[] | undefined, textBytes: number): void {
    this.#budget.add(files);
    this.#manifestBytes += textBytes;
  }

  /** The segment's files, in the order added; the zip starts again empty. */
  take(): AttachmentFile[] {
    return this.#budget.take();
  }
}
