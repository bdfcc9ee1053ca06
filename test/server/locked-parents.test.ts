/**
 * Which parents a row's write locks (DmlEngine.lockedParents, read before each transaction): the
 * `locksParent` references it sets, by id or by a relationship column's external id, and those of
 * the record it changes or deletes; a custom master-detail field of a schema file too.
 */
import { expect } from 'chai';
import { InvalidOptionError } from '../../lib/errors.js';
import { toId18 } from '../../lib/ids.js';
import type { Operation } from '../../lib/types.js';
import { IdGenerator } from '../../server/org/id-generator.js';
import { OrgSchema } from '../../server/org/schema.js';
import { bindColumns, type DmlContext, DmlEngine } from '../../server/processing/dml.js';
import { AuthStore } from '../../server/store/auth-store.js';
import { openDatabase } from '../../server/store/database.js';
import { RecordsStore } from '../../server/store/records-store.js';

describe('server/processing/dml lockedParents', () => {
  const schema = new OrgSchema({
    objects: [
      { name: 'Account', fields: [{ name: 'Ext__c', type: 'string', externalId: true, unique: true }] },
      { name: 'Contact', fields: [{ name: 'Ext__c', type: 'string', externalId: true, unique: true }] },
      { name: 'Invoice__c', fields: [{ name: 'Number__c', type: 'string', externalId: true, unique: true }] },
      { name: 'Line__c', fields: [{ name: 'Invoice__c', type: 'reference', referenceTo: 'Invoice__c', locksParent: true }] },
    ],
  });
  const db = openDatabase(':memory:');
  const records = new RecordsStore(db);
  const ids = new IdGenerator(new AuthStore(db));
  const engine = new DmlEngine(records, ids);
  const now = new Date().toISOString();
  const user = toId18('005000000000001');
  const ctx = (object: string, operation: Operation, columns: string[], externalIdField?: string): DmlContext => {
    const def = schema.object(object);
    if (!def) throw new Error(object);
    return {
      operation,
      object: def,
      externalIdField: externalIdField ? schema.field(def, externalIdField) : undefined,
      bindings: bindColumns(schema, def, columns),
      userId: user,
      now,
    };
  };
  const insert = (object: string, columns: string[], row: string[]) => {
    const outcome = engine.apply(ctx(object, 'insert', columns), row);
    expect(outcome.success, JSON.stringify(outcome.errors)).to.equal(true);
    return outcome.id as string;
  };
  let [acme, globex, contact, invoice] = ['', '', '', ''];
  before(() => {
    acme = insert('Account', ['Name', 'Ext__c'], ['Acme', 'A-1']);
    globex = insert('Account', ['Name', 'Ext__c'], ['Globex', 'G-1']);
    contact = insert('Contact', ['LastName', 'AccountId', 'Ext__c'], ['Doe', acme, 'C-1']);
    invoice = insert('Invoice__c', ['Number__c'], ['I-1']);
  });
  after(() => db.close());

  it('an insert locks the parents its locking columns name: by id (15 or 18 characters) or by external id', () => {
    expect(engine.lockedParents(ctx('Contact', 'insert', ['LastName', 'AccountId']), ['A', acme.slice(0, 15)])).to.deep.equal([acme]);
    expect(engine.lockedParents(ctx('Contact', 'insert', ['LastName', 'Account.Ext__c']), ['A', 'G-1'])).to.deep.equal([globex]);
    expect(engine.lockedParents(ctx('Case', 'insert', ['Subject', 'AccountId', 'ContactId']), ['S', acme, contact])).to.deep.equal([acme, contact]);
    expect(engine.lockedParents(ctx('Line__c', 'insert', ['Invoice__c']), [invoice]), 'a custom master-detail').to.deep.equal([invoice]);
  });

  it('nothing for a value that does not resolve, a null, or an object without locking references', () => {
    expect(engine.lockedParents(ctx('Contact', 'insert', ['LastName', 'AccountId']), ['A', 'not an id'])).to.deep.equal([]);
    expect(engine.lockedParents(ctx('Contact', 'insert', ['LastName', 'Account.Ext__c']), ['A', 'nobody'])).to.deep.equal([]);
    expect(engine.lockedParents(ctx('Contact', 'insert', ['LastName', 'AccountId']), ['A', null])).to.deep.equal([]);
    expect(engine.lockedParents(ctx('Account', 'insert', ['Name', 'ParentId']), ['A', acme])).to.deep.equal([]);
  });

  it('an update, upsert or delete locks the parent the record has now, and the new one when it moves', () => {
    expect(engine.lockedParents(ctx('Contact', 'update', ['Id', 'Title']), [contact, 'CEO'])).to.deep.equal([acme]);
    expect(engine.lockedParents(ctx('Contact', 'update', ['Id', 'AccountId']), [contact, globex])).to.deep.equal([globex, acme]);
    expect(engine.lockedParents(ctx('Contact', 'delete', ['Id']), [contact])).to.deep.equal([acme]);
    expect(engine.lockedParents(ctx('Contact', 'upsert', ['Ext__c', 'Title'], 'Ext__c'), ['C-1', 'CTO'])).to.deep.equal([acme]);
    expect(engine.lockedParents(ctx('Contact', 'upsert', ['Ext__c', 'AccountId'], 'Ext__c'), ['C-2', globex]), 'an upsert that inserts').to.deep.equal([globex]);
    expect(engine.lockedParents(ctx('Contact', 'upsert', ['Id', 'Title'], 'Id'), [contact, 'CTO'])).to.deep.equal([acme]);
  });

  it('a schema file may set locksParent only on a reference to one object', () => {
    for (const field of [
      { name: 'Note__c', type: 'string', locksParent: true },
      { name: 'Any__c', type: 'reference', referenceTo: '*', locksParent: true },
    ] as const) {
      expect(() => new OrgSchema({ objects: [{ name: 'Bad__c', fields: [field] }] })).to.throw(InvalidOptionError);
    }
  });
});
