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
  readonly ownerId: string | null;
  /** The record's own fields, without the system fields. */
  readonly fields: RecordData;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** System fields stored in columns: field name -> column. */
export const SYSTEM_COLUMNS: Readonly<Record<string, string>> = {
  IsDeleted: 'deleted',
  CreatedDate: 'created_date',
  LastModifiedDate: 'modstamp',
  SystemModstamp: 'modstamp',
  OwnerId: 'owner_id',
  CreatedById: 'created_by',
};

interface RecordRow {
  id: string;
  object: string;
  deleted: number;
  created_date: string;
  modstamp: string;
  owner_id: string | null;
  created_by: string | null;
  data: string;
}

/** Columns of a stored record, possibly under a prefix (joined parents: `p_accountid_data`). */
export type StoredRow = Record<string, string | number | null>;

/** A stored row back to a record's data, system fields included (for query results). */
export function recordData(row: StoredRow, prefix = ''): RecordData {
  const data = JSON.parse(row[`${prefix}data`] as string) as RecordData;
  data.IsDeleted = row[`${prefix}deleted`] === 1;
  data.CreatedDate = row[`${prefix}created_date`] as string;
  data.LastModifiedDate = row[`${prefix}modstamp`] as string;
  data.SystemModstamp = row[`${prefix}modstamp`] as string;
  data.OwnerId = row[`${prefix}owner_id`] as string | null;
  data.CreatedById = row[`${prefix}created_by`] as string | null;
  return data;
}
/** JSON path of a field; field names are API names (letters, digits, underscores). */
export const jsonPath = (field: string) => `'$.${field.replace(/[^A-Za-z0-9_]/g, '')}'`;

export class RecordsStore {
  readonly #db: Db;
  readonly #s;
  readonly #lookups = new Map<string, Database.Statement<[string, string, number]>>();

  constructor(db: Db) {
    this.#db = db;
    this.#s = {
      insert: db.prepare('INSERT INTO records (id, object, deleted, created_date, modstamp, owner_id, created_by, data) VALUES (?, ?, 0, ?, ?, ?, ?, ?)'),
      update: db.prepare('UPDATE records SET modstamp = ?, owner_id = ?, data = ? WHERE id = ?'),
      get: db.prepare('SELECT * FROM records WHERE id = ?'),
      softDelete: db.prepare('UPDATE records SET deleted = 1, modstamp = ? WHERE id = ?'),
      hardDelete: db.prepare('DELETE FROM records WHERE id = ?'),
    };
  }

  /** Stores a new record: its own fields as JSON, the system fields in columns. */
  insert(id: string, object: string, fields: RecordData, now: string, ownerId: string | null, createdById: string): void {
    this.#s.insert.run(id, object, now, now, ownerId, createdById, JSON.stringify(fields));
  }

  /** Replaces a record's own fields. */
  update(id: string, fields: RecordData, now: string, ownerId: string | null): void {
    this.#s.update.run(now, ownerId, JSON.stringify(fields), id);
  }

  get(id: string): StoredRecord | undefined {
    const row = this.#s.get.get(id) as RecordRow | undefined;
    return row && { id: row.id, object: row.object, deleted: row.deleted === 1, ownerId: row.owner_id, fields: JSON.parse(row.data) as RecordData };
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
