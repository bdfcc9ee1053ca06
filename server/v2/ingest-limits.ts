/** Bulk API 2.0 ingest limits (spec §6, docs "Limits"), in one place. */

/** A PUT upload: 150,000,000 bytes (the docs' 150 MB after base64; Data Loader splits jobs at this size). */
export const MAX_UPLOAD_BYTES = 150_000_000;
/** The data of a multipart create: "100,000 characters or less" (v66, v224 docs). */
export const MAX_MULTIPART_CHARS = 100_000;
/** Records per internal batch: "one batch per 10,000 records" (spec §3.11). */
export const RECORDS_PER_BATCH = 10_000;
/** Characters in one record (spec §6: 400,000); a longer one fails the upload rather than grow a buffer. */
export const MAX_RECORD_CHARS = 400_000;
