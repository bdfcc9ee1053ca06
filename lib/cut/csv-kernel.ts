/**
 * CsvKernel: the CSV fast path's scan, 16 bytes at a time in WebAssembly SIMD (csv-kernel.wat, built
 * into csv-kernel-wasm.ts): from a record start in a chunk, the ends of the records that need no
 * closer look (plain: ended by an LF or CRLF, not empty, as many fields as the header, quotes only
 * as RFC 4180 places them, no line end inside quotes). It stops before the first record that is not
 * plain, which the exact JS scanner and judge then take, so a record is never read two ways.
 * A chunk is copied into the kernel's memory a window (1 MiB) at a time, and each window once.
 * Holds 1.3 MiB of WebAssembly memory per cutter that uses it (made on first use). Where
 * WebAssembly SIMD cannot run, `create` returns undefined and the cutter scans in JS alone.
 */
import { CSV_KERNEL_WASM } from './csv-kernel-wasm.js';

const WINDOW = 1 << 20;
/** Where the record ends are written: after the window and the 16 bytes read past it. */
const ENDS = WINDOW + 64;
/** Most record ends per call (they fill the module's 21 pages). */
const CAP = 65_536;

type Scan = (start: number, end: number, delimiter: number, expected: number, maxLength: number, cap: number, out: number) => number;
interface KernelExports {
  readonly scan: Scan;
  readonly memory: { readonly buffer: ArrayBuffer };
}
/** The part of the WebAssembly global used here (the project's TypeScript libraries do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
}
const wasm = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasm ? new wasm.Module(Buffer.from(CSV_KERNEL_WASM, 'base64')) : null;
    } catch {
      compiled = null; // no SIMD here: the JS scan alone
    }
  }
  return compiled;
}

export class CsvKernel {
  readonly #scan: Scan;
  readonly #memory: Uint8Array;
  readonly #ends: Int32Array;
  /** The window: chunk[#base, #base + #length) at memory offset 0. */
  #chunk: Buffer | undefined;
  #base = 0;
  #length = 0;
  /** Bytes copied in at once: at most WINDOW (smaller in tests, to cut records at window ends). */
  readonly #window: number;

  private constructor(exports: KernelExports, window: number) {
    this.#window = Math.max(16, Math.min(WINDOW, window));
    this.#scan = exports.scan;
    this.#memory = new Uint8Array(exports.memory.buffer);
    this.#ends = new Int32Array(exports.memory.buffer, ENDS, CAP);
  }

  /** A kernel of its own (its memory holds one cutter's window), or undefined where WebAssembly SIMD cannot run. */
  static create(window = WINDOW): CsvKernel | undefined {
    const module = kernelModule();
    if (!module || !wasm) return undefined;
    try {
      return new CsvKernel(new wasm.Instance(module).exports as KernelExports, window);
    } catch {
      return undefined; // no memory for an instance: the JS scan alone
    }
  }

  /**
   * The plain records of `chunk` from `pos` (a record start outside quotes) with `fields` fields
   * each and at most `maxLength` bytes, in order, up to the first that is not: returns how many;
   * `end(k)` is the k-th one's end (just past its LF) in the chunk.
   */
  plainRecords(chunk: Buffer, pos: number, delimiter: number, fields: number, maxLength: number): number {
    const windowEnd = this.#base + this.#length;
    const reuse = chunk === this.#chunk && pos >= this.#base && pos < windowEnd && (windowEnd === chunk.length || pos - this.#base < this.#window / 2);
    if (!reuse) {
      this.#length = Math.min(this.#window, chunk.length - pos);
      this.#memory.set(chunk.subarray(pos, pos + this.#length), 0);
      this.#chunk = chunk;
      this.#base = pos;
    }
    return this.#scan(pos - this.#base, this.#length, delimiter, fields - 1, maxLength, CAP, ENDS);
  }

  /** The end of the k-th record the last `plainRecords` found, in its chunk. */
  end(k: number): number {
    return (this.#ends[k] as number) + this.#base;
  }

  /** Lets go of the last chunk. */
  release(): void {
    this.#chunk = undefined;
    this.#length = 0;
  }
}
