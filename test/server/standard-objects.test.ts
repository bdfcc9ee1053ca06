/**
 * The standard objects of the local org (server/org/standard-objects.ts), through the wire: each is
 * described, takes a Bulk v1 insert naming every field its describe calls createable (values read
 * back through REST query), and fails each row naming a read-only field as Salesforce fails it.
 */
import { expect } from 'chai';
import type { DmlResult } from '../../lib/types.js';
import { runJob, type TestOrg, useTestOrg } from '../helpers/local-org.js';
import { raw } from '../helpers/raw-http.js';

interface DescribedField {
  readonly name: string;
  readonly type: string;
  readonly length: number;
  readonly createable: boolean;
  readonly nillable: boolean;
  readonly defaultedOnCreate: boolean;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
}
interface Described {
  readonly name: string;
  readonly keyPrefix: string;
  readonly fields: readonly DescribedField[];
}

/** The objects issue 24 names, and what the Object Reference gives them: key prefix and a few fields a real export carries. */
const EXPECTED: Readonly<Record<string, { readonly keyPrefix: string; readonly fields: readonly string[] }>> = {
  Account: {
    keyPrefix: '001',
    fields: [
      'ShippingStreet',
      'ShippingCity',
      'ShippingState',
      'ShippingPostalCode',
      'ShippingCountry',
      'Sic',
      'SicDesc',
      'Ownership',
      'TickerSymbol',
      'Rating',
      'Jigsaw',
      'JigsawCompanyId',
      'AccountSource',
    ],
  },
  Contact: { keyPrefix: '003', fields: ['MailingStreet', 'MailingState', 'MailingPostalCode', 'OtherStreet', 'OtherCity', 'Department', 'HomePhone', 'Salutation', 'Name'] },
  Lead: { keyPrefix: '00Q', fields: ['Street', 'City', 'State', 'PostalCode', 'Country', 'Industry', 'Rating', 'Website', 'ConvertedAccountId'] },
  Opportunity: { keyPrefix: '006', fields: ['NextStep', 'LeadSource', 'ForecastCategoryName', 'IsClosed', 'IsWon', 'CampaignId', 'Pricebook2Id'] },
  Case: { keyPrefix: '500', fields: ['CaseNumber', 'Type', 'Reason', 'SuppliedEmail', 'ParentId', 'IsClosed', 'ClosedDate'] },
  Task: { keyPrefix: '00T', fields: ['Subject', 'ActivityDate', 'Status', 'Priority', 'WhoId', 'WhatId', 'CallDurationInSeconds', 'IsClosed'] },
  Event: { keyPrefix: '00U', fields: ['Subject', 'ActivityDateTime', 'DurationInMinutes', 'StartDateTime', 'EndDateTime', 'IsAllDayEvent', 'WhoId', 'WhatId'] },
  Campaign: { keyPrefix: '701', fields: ['Name', 'Type', 'Status', 'StartDate', 'BudgetedCost', 'NumberOfLeads'] },
  CampaignMember: { keyPrefix: '00v', fields: ['CampaignId', 'LeadId', 'ContactId', 'Status', 'HasResponded'] },
  User: { keyPrefix: '005', fields: ['Username', 'Alias', 'TimeZoneSidKey', 'IsActive', 'ManagerId'] },
  Product2: { keyPrefix: '01t', fields: ['Name', 'ProductCode', 'Family', 'IsActive'] },
  Pricebook2: { keyPrefix: '01s', fields: ['Name', 'IsActive', 'IsStandard'] },
  PricebookEntry: { keyPrefix: '01u', fields: ['Pricebook2Id', 'Product2Id', 'UnitPrice', 'UseStandardPrice'] },
  Asset: { keyPrefix: '02i', fields: ['Name', 'AccountId', 'ContactId', 'Product2Id', 'SerialNumber', 'InstallDate'] },
  Contract: { keyPrefix: '800', fields: ['AccountId', 'Status', 'StartDate', 'ContractTerm', 'ContractNumber'] },
  Order: { keyPrefix: '801', fields: ['AccountId', 'EffectiveDate', 'Status', 'ContractId', 'Pricebook2Id', 'OrderNumber'] },
};

/** What Salesforce requires on create, and nothing more ("one of" rules are not modelled). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  Account: ['Name'],
  Contact: ['LastName'],
  Lead: ['LastName', 'Company'],
  Opportunity: ['Name', 'StageName', 'CloseDate'],
  Case: [],
  Task: [],
  Event: [],
  Campaign: ['Name'],
  CampaignMember: ['CampaignId'],
  Product2: ['Name'],
  Pricebook2: ['Name'],
  PricebookEntry: ['Pricebook2Id', 'Product2Id', 'UnitPrice'],
  Asset: ['Name'],
  Contract: ['AccountId'],
  Order: ['AccountId', 'EffectiveDate', 'Status'],
};

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

describe('server/org/standard-objects', () => {
  const state = useTestOrg();
  const t = (): TestOrg => state.org;
  const described = new Map<string, Described>();
  /** One inserted record per object: what references point at. */
  const ids = new Map<string, string>();
  let userId = '';
  let unique = 0;

  const get = async (path: string): Promise<Record<string, unknown>> => {
    const res = await raw(`${t().org.instanceUrl}/services/data/v62.0${path}`, { headers: { authorization: `Bearer ${t().session}` } });
    expect(res.status, `${path}: ${res.text.slice(0, 300)}`).to.equal(200);
    return JSON.parse(res.text) as Record<string, unknown>;
  };
  const describeOf = (name: string): Described => described.get(name) ?? expect.fail(`${name} was not described`);
  const required = (d: Described) => d.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate);
  /** The required fields, or for an object with none (Case, Task, Event) its first createable text field: a CSV needs a column. */
  const minimal = (d: Described) => {
    const fields = required(d);
    return fields.length > 0 ? fields : d.fields.filter((f) => f.createable && f.type !== 'reference' && f.type !== 'boolean').slice(0, 1);
  };

  /** The parent a reference field points at: a User reference at the session's user, a polymorphic one (Task.WhoId, Attachment.ParentId) at a contact or an account. */
  const target = (field: DescribedField): string | undefined => {
    const to = field.referenceTo[0] ?? 'Account';
    return to === 'User' ? userId : ids.get(to);
  };

  /** A valid value of the field's type; text at its full length, so that the lengths are the Object Reference's. */
  const sampleValue = (field: DescribedField): string => {
    unique++;
    switch (field.type) {
      case 'string':
      case 'textarea':
        return `${unique}-${'x'.repeat(field.length)}`.slice(0, field.length);
      case 'email':
        return `p${unique}@example.com`;
      case 'phone':
        return '+1 555 0100';
      case 'url':
        return `https://example.com/${unique}`;
      case 'picklist':
      case 'combobox':
        return `Value ${unique}`.slice(0, field.length);
      case 'boolean':
        return 'true';
      case 'int':
        return String(unique);
      case 'double':
      case 'currency':
      case 'percent':
        return `${unique}.5`;
      case 'date':
        return '2024-02-29';
      case 'datetime':
        return '2024-02-29T13:14:15.000Z';
      case 'base64':
        return Buffer.from(`file ${unique}`).toString('base64');
      case 'reference':
        return target(field) ?? expect.fail(`no ${field.referenceTo.join('|') || 'parent'} record yet for ${field.name}`);
      default:
        return expect.fail(`no test value for the type ${field.type} of ${field.name}`);
    }
  };

  const insert = async (object: string, columns: readonly string[], rows: ReadonlyArray<readonly string[]>): Promise<DmlResult[]> => {
    const body = [columns, ...rows].map((r) => r.map(csvCell).join(',')).join('\n');
    const { job, batches } = await runJob(t(), { object, operation: 'insert', contentType: 'CSV' }, [`${body}\n`]);
    const batch = batches[0] ?? expect.fail('no batch');
    expect(batch.state, `${object}: ${batch.stateMessage ?? ''}`).to.equal('Completed');
    const results: DmlResult[] = [];
    for await (const r of t().client.batchResults(job.id, batch.id)) results.push(r);
    return results;
  };

  before(async () => {
    const info = JSON.parse((await raw(`${t().org.instanceUrl}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${t().session}` } })).text) as { user_id: string };
    userId = info.user_id;
    const global = (await get('/sobjects')) as { sobjects: Array<{ name: string; custom: boolean }> };
    for (const o of global.sobjects.filter((s) => !s.custom)) described.set(o.name, (await get(`/sobjects/${o.name}/describe`)) as unknown as Described);
  });

  it('describes every object issue 24 names, with its key prefix and the standard fields a real export carries', () => {
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const d = describeOf(name);
      expect(d.keyPrefix, name).to.equal(expected.keyPrefix);
      expect(
        d.fields.map((f) => f.name),
        name,
      ).to.include.members(expected.fields);
    }
  });

  it('requires on create what Salesforce requires, and nothing more', () => {
    for (const [name, fields] of Object.entries(REQUIRED))
      expect(
        required(describeOf(name)).map((f) => f.name),
        name,
      ).to.have.members([...fields]);
  });

  it('names references and their relationships as the Object Reference does; objects without an owner have no OwnerId', () => {
    const field = (object: string, name: string) => describeOf(object).fields.find((f) => f.name === name) ?? expect.fail(`${object}.${name}`);
    for (const [object, name, to, relationship] of [
      ['Contact', 'AccountId', 'Account', 'Account'],
      ['Opportunity', 'AccountId', 'Account', 'Account'],
      ['Case', 'ContactId', 'Contact', 'Contact'],
      ['CampaignMember', 'CampaignId', 'Campaign', 'Campaign'],
      ['CampaignMember', 'LeadId', 'Lead', 'Lead'],
      ['PricebookEntry', 'Pricebook2Id', 'Pricebook2', 'Pricebook2'],
      ['PricebookEntry', 'Product2Id', 'Product2', 'Product2'],
      ['Order', 'ContractId', 'Contract', 'Contract'],
      ['Asset', 'Product2Id', 'Product2', 'Product2'],
    ] as const) {
      expect(field(object, name), `${object}.${name}`).to.deep.include({ type: 'reference', referenceTo: [to], relationshipName: relationship });
    }
    expect(field('Task', 'WhoId')).to.deep.include({ relationshipName: 'Who', referenceTo: ['Contact', 'Lead'] });
    expect(field('Event', 'WhoId')).to.deep.include({ relationshipName: 'Who', referenceTo: ['Contact', 'Lead'] });
    expect(field('Event', 'WhatId')).to.deep.include({ relationshipName: 'What', referenceTo: [] });
    expect(field('Task', 'Subject')).to.include({ type: 'combobox', length: 255, createable: true });
    for (const object of ['CampaignMember', 'Product2', 'Pricebook2', 'PricebookEntry', 'OrderItem', 'OpportunityLineItem'])
      expect(
        describeOf(object).fields.map((f) => f.name),
        object,
      ).not.to.include('OwnerId');
    for (const object of ['Account', 'Task', 'Event', 'Campaign', 'Asset', 'Contract', 'Order'])
      expect(
        describeOf(object).fields.map((f) => f.name),
        object,
      ).to.include('OwnerId');
  });

  it('inserts a record of each object with its required fields, parents first', async () => {
    const pending = new Set(described.keys());
    while (pending.size > 0) {
      const ready = [...pending].filter((name) => required(describeOf(name)).every((f) => f.type !== 'reference' || target(f) !== undefined));
      expect(ready, `objects whose required parents cannot be made: ${[...pending].join(', ')}`).not.to.be.empty;
      for (const name of ready) {
        const fields = minimal(describeOf(name));
        const [result] = await insert(
          name,
          fields.map((f) => f.name),
          [fields.map(sampleValue)],
        );
        expect(result, name).to.deep.include({ success: true, created: true });
        expect(result?.id, name).to.match(new RegExp(`^${describeOf(name).keyPrefix}`));
        ids.set(name, result?.id as string);
        pending.delete(name);
      }
    }
  });

  it('inserts, for each object, a CSV naming every createable field, and stores each value', async () => {
    for (const d of described.values()) {
      const fields = d.fields.filter((f) => f.createable);
      const values = fields.map(sampleValue);
      const [result] = await insert(
        d.name,
        fields.map((f) => f.name),
        [values],
      );
      expect(result?.errors, d.name).to.deep.equal([]);
      expect(result?.id, d.name).to.match(new RegExp(`^${d.keyPrefix}`));
      const readable = fields.filter((f) => f.type !== 'base64');
      const soql = `SELECT ${readable.map((f) => f.name).join(', ')} FROM ${d.name} WHERE Id = '${result?.id as string}'`;
      const { records } = (await get(`/query?q=${encodeURIComponent(soql)}`)) as { records: Array<Record<string, unknown>> };
      const record = records[0] ?? expect.fail(`${d.name}: not found by ${soql}`);
      readable.forEach((f) => {
        const sent = values[fields.indexOf(f)] as string;
        const stored = record[f.name];
        if (f.type === 'boolean') expect(stored, `${d.name}.${f.name}`).to.equal(true);
        else if (['int', 'double', 'currency', 'percent'].includes(f.type)) expect(stored, `${d.name}.${f.name}`).to.equal(Number(sent));
        else if (f.type === 'datetime') expect(Date.parse(String(stored)), `${d.name}.${f.name}`).to.equal(Date.parse(sent));
        else expect(stored, `${d.name}.${f.name}`).to.equal(sent);
      });
    }
  });

  it('fails each row that names a read-only field (formulas, roll-ups, compounds, audit fields) as Salesforce does, the others inserted', async () => {
    for (const d of described.values()) {
      const base = minimal(d);
      const readOnly = d.fields.filter((f) => !f.createable && f.type !== 'id');
      expect(
        readOnly.map((f) => f.name),
        d.name,
      ).to.include.members(['CreatedDate', 'SystemModstamp']);
      const columns = [...base, ...readOnly];
      // Row i sets the i-th read-only field only (an empty cell leaves a field alone); the last row sets none.
      const rows = [
        ...readOnly.map((_, i) => [...base.map(sampleValue), ...readOnly.map((f, j) => (i === j ? sampleValue(f) : ''))]),
        [...base.map(sampleValue), ...readOnly.map(() => '')],
      ];
      const results = await insert(
        d.name,
        columns.map((f) => f.name),
        rows,
      );
      readOnly.forEach((f, i) => {
        expect(results[i], `${d.name}.${f.name}`).to.deep.include({ success: false, id: null });
        expect(results[i]?.errors, `${d.name}.${f.name}`).to.deep.equal([
          {
            statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
            message: `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your user profile or permission set.`,
            fields: [f.name],
          },
        ]);
      });
      expect(results.at(-1), d.name).to.deep.include({ success: true, created: true });
    }
    const opportunity = describeOf('Opportunity')
      .fields.filter((f) => !f.createable)
      .map((f) => f.name);
    expect(opportunity).to.include.members(['IsClosed', 'IsWon', 'ExpectedRevenue', 'ForecastCategory']);
    expect(
      describeOf('Contact')
        .fields.filter((f) => !f.createable)
        .map((f) => f.name),
    ).to.include('Name');
  });

  it("takes a contact's or a lead's id in Task.WhoId and fails the row naming another record, as a lookup fails; WhatId takes any record", async () => {
    const results = await insert(
      'Task',
      ['Subject', 'WhoId', 'WhatId'],
      [
        ['Call', ids.get('Contact') as string, ids.get('Opportunity') as string],
        ['Call', ids.get('Lead') as string, ''],
        ['Call', ids.get('Account') as string, ids.get('Account') as string],
      ],
    );
    expect(results.map((r) => r.success)).to.deep.equal([true, true, false]);
    expect(results[2]?.errors).to.deep.equal([{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: ['WhoId'] }]);
  });

  it('fails the whole batch naming a field the object does not have, as OwnerId on an object without an owner', async () => {
    const { batches } = await runJob(t(), { object: 'PricebookEntry', operation: 'insert', contentType: 'CSV' }, [
      `Pricebook2Id,Product2Id,UnitPrice,OwnerId\n${ids.get('Pricebook2') as string},${ids.get('Product2') as string},10,${userId}\n`,
    ]);
    expect(batches[0]).to.include({ state: 'Failed', stateMessage: 'InvalidBatch : Field name not found : OwnerId' });
  });
});
