/** Queries against the local org: SOQL subset, formats, several result files, PK chunking, errors. */
import { expect } from 'chai';
import { readXmlElements } from '../../lib/wire/xml-reader.js';
import { chunksOf, collect } from '../helpers/fixtures.js';
import { runJob, startTestOrg, type TestOrg } from '../helpers/local-org.js';

describe('server: queries', () => {
  let t: TestOrg;
  before(async () => {
    t = await startTestOrg({ resultFileBytes: 400 });
    const rows = Array.from(
      { length: 30 },
      (_, i) => `Acct ${String(i).padStart(2, '0')},${i},${i % 2 === 0},2020-01-${String((i % 28) + 1).padStart(2, '0')},${i % 3 === 0 ? '#N/A' : `${i}.5`}`,
    );
    await runJob(t, { operation: 'insert', object: 'Account', contentType: 'CSV' }, [`Name,NumberOfEmployees,Site,Description,AnnualRevenue\n${rows.join('\n')}\n`]);
    const { job, batches } = await runJob(t, { operation: 'query', object: 'Account', contentType: 'CSV' }, ["SELECT Id FROM Account WHERE Name = 'Acct 00'"]);
    const parent = (await files(job.id, batches[0]?.id as string)).join('').split('\n')[1]?.replaceAll('"', '');
    await runJob(t, { operation: 'insert', object: 'Opportunity', contentType: 'CSV' }, [
      `Name,StageName,CloseDate,Amount,AccountId\nBig,Won,2021-06-01,1000,${parent}\nSmall,Open,2021-07-01,10,\n`,
    ]);
  });
  after(async () => {
    await t.close();
  });

  async function files(jobId: string, batchId: string): Promise<string[]> {
    const out: string[] = [];
    for (const id of await t.client.listQueryResultIds(jobId, batchId)) {
      out.push(Buffer.concat(await collect((await t.client.getQueryResult(jobId, batchId, id)).body)).toString());
    }
    return out;
  }

  async function csv(soql: string, object = 'Account'): Promise<string[]> {
    const { job, batches } = await runJob(t, { operation: 'query', object, contentType: 'CSV' }, [soql]);
    expect(batches[0]?.state, batches[0]?.stateMessage).to.equal('Completed');
    return files(job.id, batches[0]?.id as string);
  }

  const rowsOf = (parts: string[]) => parts.flatMap((p) => p.split('\n').slice(1).filter(Boolean));

  it('filters with comparisons, LIKE, IN, NOT, AND/OR and parentheses, null, dates; orders and limits', async () => {
    const q = async (where: string) => rowsOf(await csv(`SELECT Name FROM Account WHERE ${where} ORDER BY Name`)).map((r) => r.replaceAll('"', ''));
    expect(await q('NumberOfEmployees < 3')).to.deep.equal(['Acct 00', 'Acct 01', 'Acct 02']);
    expect(await q("Name LIKE 'acct 2%' AND NumberOfEmployees != 21")).to.deep.equal([
      'Acct 20',
      'Acct 22',
      'Acct 23',
      'Acct 24',
      'Acct 25',
      'Acct 26',
      'Acct 27',
      'Acct 28',
      'Acct 29',
    ]);
    expect(await q("Name IN ('Acct 01', 'acct 05') OR (NumberOfEmployees >= 28 AND NOT Site = 'true')")).to.deep.equal(['Acct 01', 'Acct 05', 'Acct 29']);
    expect(await q('AnnualRevenue = null AND NumberOfEmployees > 20')).to.deep.equal(['Acct 21', 'Acct 24', 'Acct 27']);
    expect(await q('Description >= 2020-01-27')).to.deep.equal(['Acct 26', 'Acct 27']);
    expect(await q("Name NOT IN ('Acct 00') AND NumberOfEmployees <= 1")).to.deep.equal(['Acct 01']);
    expect(await q('CreatedDate > 2000-01-01T00:00:00Z AND NumberOfEmployees = 7')).to.deep.equal(['Acct 07']);
    const limited = rowsOf(await csv('SELECT Name FROM Account ORDER BY NumberOfEmployees DESC LIMIT 2'));
    expect(limited).to.deep.equal(['"Acct 29"', '"Acct 28"']);
  });

  it('splits a large result into several files, each with one header and no row twice', async () => {
    const parts = await csv('SELECT Id, Name FROM Account');
    expect(parts.length).to.be.greaterThan(2);
    for (const p of parts) expect(p.split('\n')[0]).to.equal('"Id","Name"');
    const rows = rowsOf(parts);
    expect(rows).to.have.length(30);
    expect(new Set(rows).size).to.equal(30);
  });

  it('selects one level of parent fields, null parents as empty', async () => {
    const rows = rowsOf(await csv('SELECT Name, Account.Name, Amount FROM Opportunity ORDER BY Name', 'Opportunity'));
    expect(rows).to.deep.equal(['"Big","Acct 00","1000"', '"Small","","10"']);
  });

  it('writes XML (Id twice when selected, nil values) and JSON results (attributes, nested parents)', async () => {
    const xml = await runJob(t, { operation: 'query', object: 'Opportunity', contentType: 'XML' }, ["SELECT Id, Name, Account.Name, Amount FROM Opportunity WHERE Name = 'Small'"]);
    const [xmlText] = await files(xml.job.id, xml.batches[0]?.id as string);
    const [record] = await collect(readXmlElements(chunksOf(xmlText as string, 64), { source: 'q', rootNames: ['queryResult'], depth: 2 }));
    expect(record?.children.map((c) => c.name)).to.deep.equal(['type', 'Id', 'Id', 'Name', 'Account', 'Amount']);
    expect(record?.children.find((c) => c.name === 'Account')?.nil).to.equal(true);
    const json = await runJob(t, { operation: 'query', object: 'Opportunity', contentType: 'JSON' }, [
      "SELECT Name, Account.Name, CloseDate, CreatedDate FROM Opportunity WHERE Name = 'Big'",
    ]);
    const [jsonText] = await files(json.job.id, json.batches[0]?.id as string);
    const [rec] = JSON.parse(jsonText as string) as Array<Record<string, unknown>>;
    expect(rec?.attributes).to.include({ type: 'Opportunity' });
    expect(rec?.Account).to.deep.include({ Name: 'Acct 00' });
    expect(rec?.CloseDate).to.equal('2021-06-01');
    expect(rec?.CreatedDate).to.be.a('number');
  });

  it('answers a query with no rows', async () => {
    expect(await csv("SELECT Name FROM Account WHERE Name = 'none'")).to.deep.equal(['Records not found for this query']);
  });

  it('fails bad SOQL with InvalidBatch : Failed to process query', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'SELECT Id, BadField FROM Account',
        /^InvalidBatch : Failed to process query: INVALID_FIELD: SELECT Id, BadField FROM Account \^ ERROR at Row:1:Column:12 No such column 'BadField' on entity 'Account'/,
      ],
      [
        'SELECT Id FROM Contact',
        /^InvalidBatch : Failed to process query: INVALID_TYPE_FOR_OPERATION: The root entity of the requested query \(Contact\) does not match the entity of the requested Bulk API Job \(Account\)\./,
      ],
      ['SELEC Id FROM Account', /^InvalidBatch : Failed to process query: MALFORMED_QUERY: SELEC Id FROM Account \^ ERROR at Row:1:Column:1 unexpected token: SELEC$/],
      ['SELECT Id,\n  Name, FROM Account', /^InvalidBatch : Failed to process query: MALFORMED_QUERY: Name, FROM Account \^ ERROR at Row:2:Column:9 unexpected token: FROM$/],
      [
        'SELECT Id FROM Account WHERE',
        /^InvalidBatch : Failed to process query: MALFORMED_QUERY: SELECT Id FROM Account WHERE \^ ERROR at Row:1:Column:29 unexpected token: <EOF>$/,
      ],
      ["SELECT Id FROM Account WHERE Name = 'Nope' AND Nope = 1", /INVALID_FIELD: .* \^ ERROR at Row:1:Column:48 No such column 'Nope'/],
      ['SELECT COUNT(Id) FROM Account', /^InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED/],
      ['SELECT Id, (SELECT Id FROM Contacts) FROM Account', /^InvalidBatch : Failed to process query: FUNCTIONALITY_NOT_ENABLED/],
    ];
    const { batches } = await runJob(
      t,
      { operation: 'query', object: 'Account', contentType: 'CSV' },
      cases.map(([soql]) => soql),
    );
    batches.forEach((b, i) => {
      expect(b.state).to.equal('Failed');
      expect(b.stateMessage).to.match((cases[i] as [string, RegExp])[1]);
    });
  });

  it('PK chunking: chunk batches cover every row once; the original batch is NotProcessed', async () => {
    const job = await t.client.createJob({ operation: 'query', object: 'Account', contentType: 'CSV' }, { pkChunking: { chunkSize: 7 } });
    const original = await t.client.addBatch(job.id, 'SELECT Name FROM Account');
    await t.org.whenIdle();
    const batches = await t.client.listBatches(job.id);
    expect(batches[0]).to.include({ id: original.id, state: 'NotProcessed' });
    const chunks = batches.slice(1);
    expect(chunks).to.have.length(5);
    expect(chunks.every((b) => b.state === 'Completed')).to.equal(true);
    expect(chunks.map((b) => b.numberRecordsProcessed)).to.deep.equal([7, 7, 7, 7, 2]);
    const rows: string[] = [];
    for (const b of chunks) {
      const request = Buffer.concat(await collect((await t.client.getBatchRequest(job.id, b.id)).body)).toString();
      expect(request.startsWith('SELECT Name FROM Account WHERE Id >= ')).to.equal(true);
      rows.push(...rowsOf(await files(job.id, b.id)));
    }
    expect(rows).to.have.length(30);
    expect(new Set(rows).size).to.equal(30);
    await t.client.closeJob(job.id);
  });
});
