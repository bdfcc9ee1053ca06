/**
 * AttachmentResolver: InputRecord -> InputRecord, for a binary-attachment load (ZIP_* jobs). Each
 * value of the object's binary fields (`Body`, `VersionData`: base64 in its describe) names a file
 * of the attachments folder, with or without the leading `#`. The file is checked before anything is
 * uploaded: it must exist, be a file, open for reading and fit in a zip batch; otherwise the record
 * is rejected (its file, line, record and field named) and goes to the error output. A good record
 * carries its files (`attachments`) and its value becomes `#entry`, the file's path in the zip.
 * Which fields are binary is asked once, at the first record.
 * Buffers: one record at a time (one stat and one open per attachment, in input order).
 */
import { open, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { attachmentReference } from '../lib/attachments/attachment-reference.js';
import { zipBound, ZIP_LIMITS } from '../lib/attachments/zip-budget.js';
import { InvalidOptionError } from '../lib/errors.js';
import { inputFault } from '../lib/load/input-fault.js';
import type { AttachmentFile, InputRecord, InputValue } from '../lib/load-types.js';
import { nonEmptyString } from '../lib/options.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';

export interface AttachmentResolverOptions {
  /** The folder the binary fields' values are relative to. */
  readonly dir: string;
  /** The object's binary fields (matched regardless of case), e.g. from its describe; asked once, at the first record. */
  readonly binaryFields: () => Promise<Iterable<string>>;
  /** The object, named when it has no binary field. */
  readonly object?: string;
  /** Named in the errors of rejected records; default `input`. */
  readonly source?: string;
}

export class AttachmentResolver extends Transform {
  readonly #dir: string;
  readonly #binaryFields: AttachmentResolverOptions['binaryFields'];
  readonly #object: string;
  readonly #source: string;
  #binary: ReadonlySet<string> | undefined;

  constructor(options: AttachmentResolverOptions) {
    super({ objectMode: true });
    this.#dir = resolve(nonEmptyString('dir', options.dir));
    this.#binaryFields = options.binaryFields;
    this.#object = options.object ?? 'the object';
    this.#source = options.source ?? 'input';
  }

  override _transform(record: InputRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('AttachmentResolver', ['record'], record);
    if (wrong) return callback(wrong);
    (async () => {
      if (!this.#binary) await this.#learn(record);
      return this.#resolve(record);
    })().then((resolved) => callback(null, resolved), callback);
  }

  /** The binary fields, checked against the first record's columns: an attachment load with none of them is a mistake. */
  async #learn(first: InputRecord): Promise<void> {
    const names = [...(await this.#binaryFields())];
    this.#binary = new Set(names.map((n) => n.toLowerCase()));
    if (names.length === 0) throw new InvalidOptionError('attachments', `an object with a binary (base64) field: ${this.#object} has none`, this.#dir);
    if (first.error === undefined && !Object.keys(first.fields).some((c) => this.#binary?.has(c.toLowerCase()))) {
      throw new InvalidOptionError('attachments', `columns that name files in a binary field of ${this.#object} (${names.join(', ')})`, Object.keys(first.fields).join(', '));
    }
  }

  async #resolve(record: InputRecord): Promise<InputRecord> {
    if (record.error !== undefined) return record;
    let fields: Record<string, InputValue> | undefined;
    const files: AttachmentFile[] = [];
    for (const name in record.fields) {
      const value = record.fields[name];
      if (!value || !this.#binary?.has(name.toLowerCase())) continue;
      const found = await this.#file(value);
      if ('problem' in found) {
        return {
          ...record,
          error: inputFault('BULKPIPE_ATTACHMENT', `the value ${JSON.stringify(value)} ${found.problem}`, {
            source: this.#source,
            row: record.row,
            line: record.line,
            field: name,
          }),
        };
      }
      files.push(found);
      fields ??= { ...record.fields };
      fields[name] = `#${found.entry}`;
    }
    return fields ? { ...record, fields, attachments: files } : record;
  }

  /** The file a value names, checked; or why it cannot be attached. */
  async #file(value: string): Promise<AttachmentFile | { problem: string }> {
    const reference = attachmentReference(value);
    if ('problem' in reference) return reference;
    const path = join(this.#dir, reference.entry);
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => err);
    if (info instanceof Error) {
      return {
        problem: info.code === 'ENOENT' || info.code === 'ENOTDIR' ? `names ${path}, which does not exist` : `names ${path}, which cannot be read (${info.code ?? info.message})`,
      };
    }
    if (!info.isFile()) return { problem: `names ${path}, which is not a file` };
    // Open it: a file that exists but cannot be read must cost its record now, not stop a batch's zip later.
    const readable = await open(path, 'r').then(
      (handle) => handle.close().then(() => undefined),
      (err: NodeJS.ErrnoException) => err,
    );
    if (readable) return { problem: `names ${path}, which cannot be read (${readable.code ?? readable.message})` };
    // Alone in a zip with an empty manifest: a file larger than that never fits in a batch.
    if (zipBound(0, [{ entry: reference.entry, size: info.size }]) > ZIP_LIMITS.maxBytes) {
      return { problem: `names ${path}, of ${info.size} bytes: more than a zip batch can hold (${ZIP_LIMITS.maxBytes} bytes)` };
    }
    return { entry: reference.entry, path, size: info.size };
  }
}

/** An AttachmentResolver; e.g. `attachmentResolver({ dir: 'files', binaryFields: async () => ['Body'] })`. */
export const attachmentResolver = (options: AttachmentResolverOptions) => new AttachmentResolver(options);
