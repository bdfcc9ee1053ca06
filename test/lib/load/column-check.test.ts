import { expect } from 'chai';
import { ColumnCheckError } from '../../../lib/errors.js';
import { checkColumns, nearestName, unknownColumns } from '../../../lib/load/column-check.js';
import type { FieldDescribe, SObjectDescribe } from '../../../lib/wire/describe.js';

const field = (name: string, more: Partial<FieldDescribe> = {}): FieldDescribe => ({
  name,
  label: name,
  type: 'string',
  length: 80,
  precision: 0,
  scale: 0,
  digits: 0,
  nillable: true,
  createable: true,
  updateable: true,
  defaultedOnCreate: false,
  externalId: false,
  idLookup: false,
  unique: false,
  custom: name.endsWith('__c'),
  referenceTo: [],
  relationshipName: null,
  picklistValues: [],
  restrictedPicklist: false,
  ...more,
});
const object = (name: string, fields: FieldDescribe[]): SObjectDescribe => ({
  name,
  label: name,
  keyPrefix: null,
  custom: false,
  createable: true,
  updateable: true,
  deletable: true,
  queryable: true,
  fields,
});
const ORG: Record<string, SObjectDescribe> = {
  contact: object('Contact', [
    field('Id', { type: 'id', nillable: false, createable: false, updateable: false, idLookup: true, defaultedOnCreate: true }),
    field('LastName', { nillable: false }),
    field('Phone'),
    field('Email__c', { externalId: true, idLookup: true }),
    field('CreatedDate', { type: 'datetime', createable: false, updateable: false, defaultedOnCreate: true, nillable: false }),
    field('Locked__c', { updateable: false }),
    field('AccountId', { type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' }),
  ]),
  task: object('Task', [
    field('Subject'),
    field('WhoId', { type: 'reference', referenceTo: ['Contact', 'Lead'], relationshipName: 'Who', nillable: false }),
    field('OwnerId', { type: 'reference', referenceTo: ['User'], relationshipName: 'Owner' }),
  ]),
  lead: object('Lead', [field('Id', { type: 'id', idLookup: true }), field('Email', { idLookup: true })]),
  user: object('User', [field('Id', { type: 'id', idLookup: true }), field('Username', { idLookup: true })]),
  account: object('Account', [field('Id', { type: 'id', idLookup: true }), field('Name', { nillable: false }), field('Ext_Id__c', { externalId: true, idLookup: true })]),
};
const describeOf = async (name: string) => {
  const found = ORG[name.toLowerCase()];
  if (!found) throw new Error(`no ${name}`);
  return found;
};
const check = (operation: 'insert' | 'update' | 'upsert' | 'delete', columns: string[], externalIdField?: string) =>
  checkColumns({ object: 'Contact', operation, columns, externalIdField, describe: describeOf });

describe('lib/load/column-check', () => {
  it('lets columns that fit through', async () => {
    expect(await check('insert', ['LastName', 'phone', 'Account.Ext_Id__c'])).to.deep.equal([]);
    expect(await check('update', ['Id', 'Phone'])).to.deep.equal([]);
    expect(await check('upsert', ['Email__c', 'LastName'], 'Email__c')).to.deep.equal([]);
    expect(await check('delete', ['Id', 'Anything'])).to.deep.equal([]);
  });

  it('names unknown fields with a did-you-mean, and fields the operation cannot set', async () => {
    expect(await check('insert', ['LastName', 'Phnoe', 'Zzzzzz'])).to.deep.equal(['Phnoe is not a field of Contact (did you mean Phone?)', 'Zzzzzz is not a field of Contact']);
    expect(await check('insert', ['LastName', 'CreatedDate', 'Id'])).to.deep.equal(['CreatedDate cannot be set on insert', 'an insert cannot set Id (use update or upsert)']);
    expect(await check('update', ['Id', 'Locked__c'])).to.deep.equal(['Locked__c cannot be set on update']);
  });

  it('a first line that looks like a record: says it is read as the header (issue 27); misspelt names alone do not', async () => {
    const problems = await check('insert', ['Acme Corp', '555-1234', 'Smith']);
    expect(problems[0]).to.equal(
      'the first line is read as the header (the field names), and it looks like a record (Acme Corp, 555-1234, Smith): give the file a header line of field names first',
    );
    expect(problems).to.include('Smith is not a field of Contact');
    expect((await check('insert', ['Lastname2', 'Phnoe']))[0]).to.not.match(/read as the header/);
    expect((await check('insert', ['LastName', '555-1234']))[0]).to.not.match(/read as the header/);
  });

  it('checks the id, the external id and relationship columns', async () => {
    expect(await check('update', ['Phone'])).to.deep.equal(['an update needs an Id column']);
    expect(await check('upsert', ['Phone', 'LastName'], 'Phone')).to.deep.equal(['Phone is not an External ID field of Contact, so it cannot match records for an upsert']);
    expect(await check('upsert', ['LastName'], 'Email__c')).to.deep.equal(['an upsert on Email__c needs the column Email__c']);
    expect(await check('insert', ['LastName', 'Acount.Ext_Id__c', 'Account.Name', 'Account.Nope'])).to.deep.equal([
      'Acount.Ext_Id__c: Acount is not a relationship of Contact (did you mean Account?)',
      'Account.Name: Name is not an External ID field of Account, so it cannot find the parent',
      'Account.Nope: Nope is not a field of Account',
    ]);
  });

  it("reads a polymorphic column's object name (Lead:Who.Email) and checks the field on that object, asked or not", async () => {
    const onTask = (columns: string[]) => checkColumns({ object: 'Task', operation: 'insert', columns, describe: describeOf });
    const namesOnTask = (columns: string[]) => unknownColumns({ object: 'Task', columns, describe: describeOf });
    for (const run of [onTask, namesOnTask]) {
      expect(await run(['Subject', 'Lead:Who.Email', 'Owner.Username']), run.name).to.deep.equal([]);
      expect(await run(['Subject', 'lead:who.email', 'Contact:Who.Email__c'])).to.deep.equal([]);
      expect(await run(['Subject', 'Laed:Who.Email', 'Lead:Who.Emial', 'User:Owner.Username'])).to.deep.equal([
        'Laed:Who.Email: Laed is not an object that Who refers to (did you mean Lead?)',
        'Lead:Who.Emial: Emial is not a field of Lead (did you mean Email?)',
        'User:Owner.Username: Owner refers to User only, so it takes no object name: write Owner.Username',
      ]);
    }
  });

  it('names the required fields an insert does not give', async () => {
    expect(await check('insert', ['Phone'])).to.deep.equal(['LastName is required on Contact and no column gives it']);
    const err = new ColumnCheckError('Contact', ['a', 'b']);
    expect(err).to.include({ code: 'BULK_COLUMNS', object: 'Contact' });
    expect(err.message).to.equal('the columns do not fit Contact, so no job was created: a; b');
  });

  it('nearestName: a typo, another case, a name without its custom suffix or namespace; of names as near, the nearest as written; none when none is near', () => {
    const names = ['Account', 'Contact', 'Invoice__c', 'acme__Invoice__c', 'acme__Shipment__c', 'Region__c', 'Name'];
    const cases: Array<[string, string | undefined]> = [
      ['Acount', 'Account'],
      ['account', 'Account'],
      ['Contcat', 'Contact'],
      ['Invoice', 'Invoice__c'],
      ['Invoce__c', 'Invoice__c'],
      ['acme__Invoce__c', 'acme__Invoice__c'],
      ['Shipment__c', 'acme__Shipment__c'],
      ['shipment', 'acme__Shipment__c'],
      ['Region', 'Region__c'],
      ['Name__c', 'Name'],
      ['Zzyzx', undefined],
      ['Opportunity', undefined],
    ];
    for (const [given, nearest] of cases) expect(nearestName(given, names), given).to.equal(nearest);
  });

  it('nearestName: only the suffixes Salesforce gives names are stripped (a namespace is not one), each pair within a third of the shorter name', () => {
    const names = ['Account', 'Case', 'Contact', 'Custom__c', 'Custom__History', 'ns__Obj__c', 'ns__Obj__Share', 'acme__Invoice__c', 'Invoice__mdt', 'Order', 'Orders__c'];
    const cases: Array<[string, string | undefined]> = [
      ['acme__Invoice', 'acme__Invoice__c'], // not "acme" with a suffix "__Invoice", near Case
      ['ns__Obj', 'ns__Obj__c'],
      ['Obj__c', 'ns__Obj__c'],
      ['Custom', 'Custom__c'],
      ['custom__history', 'Custom__History'],
      ['Invoice__e', 'Invoice__mdt'], // of names as near without suffix and namespace, the nearest as written
      ['Invoice', 'Invoice__mdt'],
      ['Orders', 'Orders__c'],
      ['X', undefined],
      ['Cs', undefined],
    ];
    for (const [given, nearest] of cases) expect(nearestName(given, names), given).to.equal(nearest);
  });
});
