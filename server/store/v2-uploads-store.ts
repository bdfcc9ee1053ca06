/**
 * The uploads of Bulk API 2.0 ingest jobs (server/http/v2/ingest-upload.ts): a PUT stages its
 * internal batches under a token on the job, and the job has its data only when the whole body is
 * stored, marked in one transaction (`upload_header`). Every write is conditional on the token, so an
 * upload that was cut, aborted or taken over changes nothing (server/v2/upload-lease.ts says which
 * tokens are alive). Dropping an upload is JobsStore's (an abort drops one too).
 */
import type { Db } from './database.js';
import type { JobsStore } from './jobs-store.js';

export class V2UploadsStore {
  readonly #jobs: JobsStore;
  readonly #s;

  constructor(db: Db, jobs: JobsStore) {
    this.#jobs = jobs;
    this.#s = {
      beginUpload: db.prepare("UPDATE jobs SET upload_token = ? WHERE id = ? AND state = 'Open' AND upload_header IS NULL AND upload_token IS ?"),
      uploading: db.prepare("SELECT 1 FROM jobs WHERE id = ? AND upload_token = ? AND state = 'Open'"),
      receiveUpload: db.prepare(
        "UPDATE jobs SET upload_token = NULL, upload_header = ?, error_message = coalesce(error_message, ?) WHERE id = ? AND upload_token = ? AND state = 'Open'",
      ),
      receiving: db.prepare("SELECT id, upload_token FROM jobs WHERE job_type = 'V2Ingest' AND upload_token IS NOT NULL"),
    };
  }

  /**
   * An upload with this token starts staging batches for the Open job without data, if the job's
   * upload is still `previous` (null: none; else a dead upload, whose staged batches go). False when
   * another upload took the job first, or the job has its data or is no longer Open.
   */
  beginUpload(jobId: string, previous: string | null, token: string): boolean {
    return this.#jobs.transaction(() => {
      if (this.#s.beginUpload.run(token, jobId, previous).changes !== 1) return false;
      // Nothing was received: whatever batches the job holds were staged by a dead upload.
      this.#jobs.deleteBatches(jobId);
      return true;
    });
  }

  /** Stores a batch of the upload with this token; false when that upload is no longer the job's (aborted, taken over). */
  stageBatch(id: string, jobId: string, token: string, request: Buffer, now: number): boolean {
    return this.#jobs.transaction(() => {
      if (!this.#s.uploading.get(jobId, token)) return false;
      this.#jobs.addBatch(id, jobId, request, now);
      return true;
    });
  }

  /**
   * The upload with this token is received whole: the job has its data (`header`). With `refusal`
   * the data could not be read: its staged batches go, and the job fails at UploadComplete. False
   * when the upload was no longer the job's.
   */
  receiveUpload(jobId: string, token: string, header: readonly string[], refusal: string | null): boolean {
    return this.#jobs.transaction(() => {
      if (this.#s.receiveUpload.run(JSON.stringify(header), refusal, jobId, token).changes !== 1) return false;
      if (refusal !== null) this.#jobs.deleteBatches(jobId);
      return true;
    });
  }

  /** The jobs with an upload staging, and its token. */
  receivingUploads(): Array<{ readonly id: string; readonly upload_token: string }> {
    return this.#s.receiving.all() as Array<{ id: string; upload_token: string }>;
  }
}
