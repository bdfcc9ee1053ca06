/** Query result files: each a complete CSV, XML or JSON document, stored whole (bounded by the file size limit). */
import type { Db } from './database.js';

export class QueryResultsStore {
  readonly #s;

  constructor(db: Db) {
    this.#s = {
      insert: db.prepare('INSERT INTO query_results (id, batch_id, seq, data) VALUES (?, ?, ?, ?)'),
      ids: db.prepare('SELECT id FROM query_results WHERE batch_id = ? ORDER BY seq'),
      data: db.prepare('SELECT data FROM query_results WHERE batch_id = ? AND id = ?'),
      clear: db.prepare('DELETE FROM query_results WHERE batch_id = ?'),
    };
  }

  add(id: string, batchId: string, seq: number, data: Buffer): void {
    this.#s.insert.run(id, batchId, seq, data);
  }

  ids(batchId: string): string[] {
    return (this.#s.ids.all(batchId) as Array<{ id: string }>).map((r) => r.id);
  }

  /** A result file by 15- or 18-character id; undefined when it is not one of the batch's. */
  data(batchId: string, resultId: string): Buffer | undefined {
    const row = this.#s.data.get(batchId, resultId.slice(0, 15)) as { data: Buffer } | undefined;
    return row?.data;
  }

  /** Drops partial files of a batch whose run was interrupted, before it runs again. */
  clear(batchId: string): void {
    this.#s.clear.run(batchId);
  }
}
