/**
 * The schema each job was created under. Processes that share an org file may each have their own
 * (`bulkpipe server --schema` beside a CLI load on the default org), and the one that runs a batch
 * may not be the one that took its job: it runs it under the job's schema, kept in the file.
 */
import { type Db, writeTransaction } from '../store/database.js';
import type { JobRow } from '../store/jobs-store.js';
import { OrgSchema } from './schema.js';

export class JobSchemas {
  readonly #own: OrgSchema;
  /** The own schema's row: what new jobs record. */
  readonly ownId: number;
  readonly #others = new Map<number, OrgSchema>();
  readonly #definition;

  constructor(db: Db, own: OrgSchema) {
    this.#own = own;
    this.ownId = writeTransaction(db, () => {
      db.prepare('INSERT INTO schemas (definition) VALUES (?) ON CONFLICT (definition) DO NOTHING').run(own.definition);
      return (db.prepare('SELECT id FROM schemas WHERE definition = ?').get(own.definition) as { id: number }).id;
    });
    this.#definition = db.prepare('SELECT definition FROM schemas WHERE id = ?');
  }

  /** The schema `job` was created under: this org's own, or another process's, read once. */
  of(job: Pick<JobRow, 'schema_id'>): OrgSchema {
    if (job.schema_id === null || job.schema_id === this.ownId) return this.#own;
    let schema = this.#others.get(job.schema_id);
    if (!schema) {
      const row = this.#definition.get(job.schema_id) as { definition: string } | undefined;
      schema = row ? OrgSchema.fromDefinition(row.definition) : this.#own;
      this.#others.set(job.schema_id, schema);
    }
    return schema;
  }
}
