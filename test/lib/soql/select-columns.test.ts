import { expect } from 'chai';
import { soqlCsvHeader, soqlSelectColumns } from '../../../lib/soql/select-columns.js';

describe('lib/soql/select-columns', () => {
  it('names each column as written, a parent field by its path, in select order', () => {
    const cases: Array<[string, string[]]> = [
      ['SELECT Id FROM Account', ['Id']],
      ["select id, name from account where name = 'a, b'", ['id', 'name']],
      ['SELECT Name, Account.Name, Account.Owner.Name FROM Contact ORDER BY Name LIMIT 10', ['Name', 'Account.Name', 'Account.Owner.Name']],
      ['  SELECT\n\tId,\n\tns__Total__c\nFROM ns__Invoice__c', ['Id', 'ns__Total__c']],
      ['SELECT fromDate__c, Id FROM Event__c', ['fromDate__c', 'Id']],
      ['SELECT toLabel(Status), convertCurrency(Amount) amt FROM Opportunity', ['Status', 'amt']],
      ['SELECT FORMAT(Amount), TOLABEL(Stage) s FROM Opportunity', ['Amount', 's']],
      ['SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)', ['Id']],
    ];
    for (const [soql, columns] of cases) expect(soqlSelectColumns(soql), soql).to.deep.equal(columns);
  });

  it('names none for what it cannot name as the org would: TYPEOF, a subquery, an expression, no SELECT or FROM', () => {
    for (const soql of [
      'SELECT TYPEOF What WHEN Account THEN Phone ELSE Name END FROM Event',
      'SELECT Id, (SELECT Id FROM Contacts) FROM Account',
      'SELECT COUNT(Id), MAX(Amount, 2) FROM Opportunity',
      'SELECT FIELDS(STANDARD) FROM Account',
      'SELECT Id, FIELDS(CUSTOM) FROM Account LIMIT 200',
      'SELECT COUNT(Id) FROM Account',
      'SELECT MAX(Amount) m FROM Opportunity',
      'SELECT Id, FROM Account',
      'SELECT Id',
      'Id FROM Account',
      "SELECT 'FROM Account'",
    ]) {
      expect(soqlSelectColumns(soql), soql).to.equal(undefined);
    }
  });

  it('the header line as the org writes it: each name quoted, commas, LF', () => {
    expect(soqlCsvHeader('SELECT Id, Account.Name FROM Contact')).to.equal('"Id","Account.Name"\n');
    expect(soqlCsvHeader('SELECT TYPEOF What WHEN Account THEN Phone END FROM Event')).to.equal(undefined);
  });
});
