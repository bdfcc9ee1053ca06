import { expect } from 'chai';
import { ValueCheck } from '../../../lib/load/value-check.js';
import type { FieldDescribe } from '../../../lib/wire/describe.js';

const field = (name: string, type: string, more: Partial<FieldDescribe> = {}): FieldDescribe => ({
  name,
  label: name,
  type,
  length: type === 'string' ? 5 : 0,
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
  custom: false,
  referenceTo: [],
  relationshipName: null,
  picklistValues: [],
  restrictedPicklist: false,
  ...more,
});
const check = new ValueCheck({
  name: 'Thing__c',
  label: 'Thing',
  keyPrefix: 'a00',
  custom: true,
  createable: true,
  updateable: true,
  deletable: true,
  queryable: true,
  fields: [
    field('Name', 'string'),
    field('Count__c', 'int'),
    field('Rate__c', 'percent'),
    field('When__c', 'date'),
    field('At__c', 'datetime'),
    field('Ok__c', 'boolean'),
    field('Owner__c', 'reference'),
    field('Mail__c', 'email', { length: 80 }),
    field('Stage__c', 'picklist', {
      length: 40,
      restrictedPicklist: true,
      picklistValues: [
        { value: 'Open', label: 'Open', active: true, defaultValue: false },
        { value: 'Old', label: 'Old', active: false, defaultValue: false },
      ],
    }),
  ],
});

describe('lib/load/value-check', () => {
  it('passes values the org reads, and empty or null ones', () => {
    expect(
      check.problem({
        Name: 'Acme',
        Count__c: '12',
        Rate__c: '1.5',
        When__c: '2024-02-29',
        At__c: '2024-01-31T10:00:00Z',
        Ok__c: 'true',
        Owner__c: '005000000000001',
        Mail__c: 'a@b.co',
        Stage__c: 'Open',
      }),
    ).to.equal(undefined);
    expect(check.problem({ Name: '', Count__c: null, 'Account.Ext__c': 'anything', Unknown: 'x' })).to.equal(undefined);
  });

  it('words each refusal as the org does, naming the field', () => {
    const code = (fields: Record<string, string>) => check.problem(fields)?.split(':')[0];
    expect(code({ Count__c: 'many' })).to.equal('INVALID_FIELD');
    expect(code({ Count__c: '99999999999' })).to.equal('INVALID_FIELD');
    expect(code({ When__c: '01/31/2024' })).to.equal('INVALID_FIELD');
    expect(code({ At__c: 'noon' })).to.equal('INVALID_FIELD');
    expect(code({ Ok__c: 'maybe' })).to.equal('INVALID_FIELD');
    expect(code({ Owner__c: 'not-an-id' })).to.equal('MALFORMED_ID');
    expect(code({ Name: 'toolong' })).to.equal('STRING_TOO_LONG');
    expect(code({ Mail__c: 'nope' })).to.equal('INVALID_EMAIL_ADDRESS');
    expect(check.problem({ Stage__c: 'Old' })).to.equal('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Stage__c: bad value for restricted picklist field: Old:Stage__c --');
    expect(check.problem({ Name: 'ok', When__c: 'x' })).to.match(/^INVALID_FIELD:Failed to deserialize field at col 2\..*:When__c --$/);
  });
});
