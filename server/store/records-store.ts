/**
 * The org's records: one SQLite row per record, fields as JSON keyed by canonical field name.
 * Lookups by a unique or External ID field use an expression index created on first use.
 */
import type Database from 'better-sqlite3';
import type { Db } from './database.js';

export type RecordData = Record<string, string | number | boolean | null>;

export interface StoredRecord {
  readonly id: string;
  readonly object: string;
  readonly deleted: boolean;
  readonly data: RecordData;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** JSON path of a field; field names are API names (letters, digits, underscores). */
export const jsonPath = (field: string) => `'$.${field.replace(/[^A-Za-z0-9_]/g, '')}'`;

export class RecordsStore {
  readonly #db: Db;
  readonly #s;
  readonly #lookups = new Map<string, Database.Statement<[string, string, number]>>();

  constructor(db: Db) {
    this.#db = db;
    this.#s = {
      insert: db.prepare('INSERT INTO records (id, object, deleted, data) VALUES (?, ?, 0, ?)'),
      update: db.prepare('UPDATE records SET data = ? WHERE id = ?'),
      get: db.prepare('SELECT id, object, deleted, data FROM records WHERE id = ?'),
      softDelete: db.prepare('UPDATE records SET deleted = 1, data = json_set(data, \'$.IsDeleted\', json(\'true\'), \'$.SystemModstamp\', ?) WHERE id = ?'),
      hardDelete: db.prepare('DELETE FROM records WHERE id = ?'),
    };
  }

  insert(id: string, object: string, data: RecordData): void {
    this.#s.insert.run(id, object, JSON.stringify(data));
  }

  update(id: string, data: RecordData): void {
    this.#s.update.run(JSON.stringify(data), id);
  }

  get(id: string): StoredRecord | undefined {
    const row = this.#s.get.get(id) as { id: string; object: string; deleted: number; data: string } | undefined;
    return row && { id: row.id, object: row.object, deleted: row.deleted === 1, data: JSON.parse(row.data) as RecordData };
  }

  softDelete(id: string, modstamp: string): void {
    this.#s.softDelete.run(modstamp, id);
  }

  hardDelete(id: string): void {
    this.#s.hardDelete.run(id);
  }

  /** Ids of live records of `object` whose `field` equals `value`, compared case-insensitively; at most `limit`. */
  findBy(object: string, field: string, value: string, limit = 3): string[] {
    const key = `${object}\u0000${field}`;
    let stmt = this.#lookups.get(key);
    if (!stmt) {
      const expr = `lower(json_extract(data, ${jsonPath(field)}))`;
      this.#db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`records_${object}_${field}`.toLowerCase())} ON records (object, ${expr})`);
      stmt = this.#db.prepare<[string, string, number]>(`SELECT id FROM records WHERE object = ? AND ${expr} = lower(?) AND deleted = 0 LIMIT ?`);
      this.#lookups.set(key, stmt);
    }
    return (stmt.all(object, value, limit) as Array<{ id: string }>).map((r) => r.id);
  }
}
