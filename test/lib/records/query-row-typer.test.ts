/** queryRowTyper: CSV query rows typed by the describes, as a JSON query result has them. */
import { expect } from 'chai';
import { BulkApiError } from '../../../lib/errors.js';
import { queryRowTyper } from '../../../lib/records/query-row-typer.js';
import { parseSObjectDescribe, type SObjectDescribe } from '../../../lib/wire/describe.js';

const describes: Record<string, SObjectDescribe> = {
  contact: parseSObjectDescribe(
    JSON.stringify({
      name: 'Contact',
      fields: [
        { name: 'Id', type: 'id' },
        { name: 'LastName', type: 'string' },
        { name: 'DoNotCall', type: 'boolean' },
        { name: 'Birthdate', type: 'date' },
        { name: 'LastModifiedDate', type: 'datetime' },
        { name: 'Score__c', type: 'double' },
        { name: 'AccountId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' },
      ],
    }),
  ),
  account: parseSObjectDescribe(
    JSON.stringify({
      name: 'Account',
      fields: [
        { name: 'Name', type: 'string' },
        { name: 'NumberOfEmployees', type: 'int' },
        { name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner' },
      ],
    }),
  ),
  user: parseSObjectDescribe(JSON.stringify({ name: 'User', fields: [{ name: 'Alias', type: 'string' }] })),
};

describe('lib/records/query-row-typer', () => {
  const asked: string[] = [];
  const describe = async (name: string) => {
    asked.push(name);
    const found = describes[name.toLowerCase()];
    if (!found) throw new BulkApiError('NOT_FOUND', 'The requested resource does not exist', 404, { method: 'GET', path: `/sobjects/${name}/describe` });
    return found;
  };

  it('names columns as the describe does, types their text, nests parents (two levels), reads each describe once', async () => {
    asked.length = 0;
    const type = await queryRowTyper(
      ['id', 'LASTNAME', 'DoNotCall', 'Birthdate', 'LastModifiedDate', 'Score__c', 'account.name', 'Account.NumberOfEmployees', 'Account.Owner.Alias'],
      'Contact',
      describe,
    );
    expect(type(['003A', 'Ng', 'true', '1990-02-03', '2024-04-16T19:00:00.000Z', '2.5', 'Acme', '12', 'jd'])).to.deep.equal({
      Id: '003A',
      LastName: 'Ng',
      DoNotCall: true,
      Birthdate: '1990-02-03',
      LastModifiedDate: Date.parse('2024-04-16T19:00:00.000Z'),
      Score__c: 2.5,
      Account: { Name: 'Acme', NumberOfEmployees: 12, Owner: { Alias: 'jd' } },
    });
    expect(asked).to.deep.equal(['Contact', 'Account', 'User']);
  });

  it('"" is null; a parent whose columns are all empty is null, a grandparent alone empty is null under a present parent', async () => {
    const type = await queryRowTyper(['LastName', 'DoNotCall', 'Account.Name', 'Account.Owner.Alias'], 'Contact', describe);
    expect(type(['', '', '', ''])).to.deep.equal({ LastName: null, DoNotCall: null, Account: null });
    expect(type(['x', 'false', 'Acme', ''])).to.deep.equal({ LastName: 'x', DoNotCall: false, Account: { Name: 'Acme', Owner: null } });
    expect(type(['x', 'false', '', 'jd'])).to.deep.equal({ LastName: 'x', DoNotCall: false, Account: { Name: null, Owner: { Alias: 'jd' } } });
  });

  it('a describe that fails otherwise (a cut connection) fails the typing, rather than turn typed values into text', async () => {
    const err = await queryRowTyper(['Id'], 'Contact', async () => {
      throw new Error('socket hang up');
    }).catch((e: unknown) => e);
    expect(err).to.have.property('message', 'socket hang up');
  });

  it('a column no describe knows (an alias, an object that cannot be described) stays text under its label', async () => {
    const type = await queryRowTyper(['Nickname', 'Thing.Count'], 'Contact', describe);
    expect(type(['7', '3'])).to.deep.equal({ Nickname: '7', Thing: { Count: '3' } });
    const unknown = await queryRowTyper(['Amount'], 'Nope', describe);
    expect(unknown(['10'])).to.deep.equal({ Amount: '10' });
  });
});
