import { expect } from 'chai';
import { recordFactory } from '../../../lib/records/record-factory.js';

describe('lib/records/record-factory', () => {
  it('builds records with the keys in order, whatever characters the keys hold', () => {
    const keys = ['Name', 'Account.Ext__c', 'with "quotes"', 'back\\slash', 'line\nbreak', '日本', '', '}; process.exit(1); ({'];
    const make = recordFactory(keys);
    const values = keys.map((_, i) => (i === 2 ? null : `v${i}`));
    const record = make(values);
    expect(Object.keys(record)).to.deep.equal(keys);
    expect(Object.values(record)).to.deep.equal(values);
  });

  it('makes __proto__ an own field, never the prototype', () => {
    const record = recordFactory(['__proto__', 'A'])(['x', 'y']);
    expect(Object.getPrototypeOf(record)).to.equal(Object.prototype);
    expect(Object.keys(record)).to.deep.equal(['__proto__', 'A']);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).to.equal('x');
  });

  it('keeps the last value of a repeated key, at its first position, as JSON.parse does', () => {
    expect(recordFactory(['A', 'B', 'A'])(['1', '2', '3'])).to.deep.equal(JSON.parse('{"A":"1","B":"2","A":"3"}'));
  });
});
