import { expect } from 'chai';
import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { soqlFromObject } from '../../../lib/soql/query-object.js';

describe('lib/soql/query-object', () => {
  const queries = [
    'SELECT Id FROM Account',
    "select id from account where name = 'x'",
    'SELECT Id, (SELECT Id FROM Contacts) FROM Account',
    "SELECT Id FROM Case WHERE Subject = 'mail from support' AND Status != 'FROM'",
    "SELECT Id FROM Lead WHERE Company = 'O\\'Brien FROM Ltd'",
    'SELECT Name, Account.Name FROM Contact ORDER BY Name LIMIT 10',
    'SELECT COUNT() FROM Opportunity',
    'SELECT Id FROM ns__Invoice__c WHERE ns__Total__c > 10',
    'SELECT fromDate__c FROM Event__c',
    'SELECT Id\nFROM\n\tTask',
    'SELECT TYPEOF What WHEN Account THEN Phone ELSE Name END FROM Event',
    'SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)',
  ];
  for (const soql of queries) {
    it(`reads the FROM of ${JSON.stringify(soql)} as the SOQL parser does`, () => {
      expect(soqlFromObject(soql)).to.equal(parseQuery(soql).sObject);
    });
  }

  it('finds none without a top-level FROM and a name', () => {
    for (const soql of ['SELECT Id', 'SELECT (SELECT Id FROM Contacts)', "SELECT 'FROM Account'", 'SELECT Id FROM', 'SELECT Id FROM 123']) {
      expect(soqlFromObject(soql), soql).to.equal(undefined);
    }
  });
});
