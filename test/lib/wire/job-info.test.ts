import { expect } from 'chai';
import { parseJobInfo, parseJobRequest, parseJobStateRequest, serializeJobInfo, serializeJobRequest, serializeJobStateRequest } from '../../../lib/wire/job-info.js';
import type { JobInfo } from '../../../lib/types.js';
import { fillTemplate, wireFixture } from '../../helpers/fixtures.js';

describe('lib/wire/job-info', () => {
  describe('parse recorded jobInfo responses', () => {
    it('jetstream open update job (v65)', () => {
      const job = parseJobInfo(wireFixture('jetstream_jobInfo_open_update_v65.xml'), 'xml');
      expect(job).to.include({
        id: '750Kf00000R1wzRIAR',
        operation: 'update',
        object: 'Account',
        state: 'Open',
        concurrencyMode: 'Parallel',
        contentType: 'CSV',
        apiVersion: '65.0',
        createdById: '0056g000004tCpaAAE',
      });
      expect(job.createdDate.toISOString()).to.equal('2026-02-12T15:43:48.000Z');
      expect(job.externalIdFieldName).to.equal(undefined);
    });

    it('jetstream closed job with failed records', () => {
      const job = parseJobInfo(wireFixture('jetstream_jobInfo_closed_update_v65.xml'), 'xml');
      expect(job).to.include({
        state: 'Closed',
        numberBatchesCompleted: 1,
        numberBatchesTotal: 1,
        numberRecordsProcessed: 251,
        numberRecordsFailed: 251,
        totalProcessingTime: 741,
        apiActiveProcessingTime: 497,
      });
    });

    it('upsert jobs with externalIdFieldName (v27 indented, v35 XML content type)', () => {
      const v27 = parseJobInfo(wireFixture('jobInfo_upsert_v27_jorgevaldivia.xml'), 'xml');
      expect(v27).to.include({ operation: 'upsert', externalIdFieldName: 'my_external_id__c', apexProcessingTime: 253, apiVersion: '27.0' });
      const v35 = parseJobInfo(wireFixture('seiun_jobInfo_upsert_xml_v35.xml'), 'xml');
      expect(v35).to.include({ object: 'Campaign', externalIdFieldName: 'Id', contentType: 'XML', apiVersion: '35.0' });
    });

    it('the JSON-job response recorded with an XML body', () => {
      const body = wireFixture('cumulusci_json_contenttype_exchange.md').split('\n');
      const start = body.findIndex((l) => l.startsWith('<?xml'));
      const end = body.indexOf('</jobInfo>');
      const job = parseJobInfo(body.slice(start, end + 1).join('\n'), 'xml');
      expect(job).to.include({ operation: 'query', object: 'Event', contentType: 'JSON', apiVersion: '62.0' });
    });
  });

  describe('serialize byte for byte as recorded', () => {
    it('reproduces the jetstream jobInfo documents exactly', () => {
      for (const name of ['jetstream_jobInfo_open_update_v65.xml', 'jetstream_jobInfo_closed_update_v65.xml', 'seiun_jobInfo_upsert_xml_v35.xml']) {
        const recorded = wireFixture(name);
        expect(serializeJobInfo(parseJobInfo(recorded, 'xml'), 'xml'), name).to.equal(recorded);
      }
    });

    it('reproduces the CumulusCI upsert template, with externalIdFieldName after state', () => {
      const recorded = fillTemplate('cumulusci_jobInfo_upsert.xml.tpl', {
        id: '750P0000006HoSQIA0',
        object: 'Contact',
        creator: '005P000000AyPpYIAV',
        cdate: '2022-10-20T16:46:32.000Z',
        smts: '2022-10-20T16:46:32.000Z',
      }).replace('vxx.0', '56.0');
      expect(serializeJobInfo(parseJobInfo(recorded, 'xml'), 'xml')).to.equal(recorded);
    });
  });

  const job: JobInfo = {
    id: '750D00000004SkGIAU',
    operation: 'insert',
    object: 'Account',
    createdById: '005D0000001b0fFIAQ',
    createdDate: new Date('2015-12-15T20:45:25.000Z'),
    systemModstamp: new Date('2015-12-15T20:45:25.000Z'),
    state: 'Open',
    concurrencyMode: 'Parallel',
    contentType: 'JSON',
    numberBatchesQueued: 0,
    numberBatchesInProgress: 0,
    numberBatchesCompleted: 0,
    numberBatchesFailed: 0,
    numberBatchesTotal: 0,
    numberRecordsProcessed: 0,
    numberRetries: 0,
    apiVersion: '36.0',
    numberRecordsFailed: 0,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  };

  it('writes JSON jobInfo as the documented sample (alphabetical, 3-space, apiVersion 36.0)', () => {
    const expected = `{
   "apexProcessingTime" : 0,
   "apiActiveProcessingTime" : 0,
   "apiVersion" : 36.0,
   "concurrencyMode" : "Parallel",
   "contentType" : "JSON",
   "createdById" : "005D0000001b0fFIAQ",
   "createdDate" : "2015-12-15T20:45:25.000+0000",
   "id" : "750D00000004SkGIAU",
   "numberBatchesCompleted" : 0,
   "numberBatchesFailed" : 0,
   "numberBatchesInProgress" : 0,
   "numberBatchesQueued" : 0,
   "numberBatchesTotal" : 0,
   "numberRecordsFailed" : 0,
   "numberRecordsProcessed" : 0,
   "numberRetries" : 0,
   "object" : "Account",
   "operation" : "insert",
   "state" : "Open",
   "systemModstamp" : "2015-12-15T20:45:25.000+0000",
   "totalProcessingTime" : 0
}`;
    expect(serializeJobInfo(job, 'json')).to.equal(expected);
  });

  it('round-trips through both formats', () => {
    const full: JobInfo = { ...job, operation: 'upsert', externalIdFieldName: 'Ext_Id__c', assignmentRuleId: '01Q000000000001AAA', numberRecordsProcessed: 12 };
    for (const format of ['xml', 'json'] as const) expect(parseJobInfo(serializeJobInfo(full, format), format)).to.deep.equal(full);
  });

  it('drops milliseconds: timestamps are whole seconds on the wire', () => {
    const xml = serializeJobInfo({ ...job, createdDate: new Date('2020-01-01T00:00:00.789Z') }, 'xml');
    expect(xml).to.contain('<createdDate>2020-01-01T00:00:00.000Z</createdDate>');
  });

  describe('requests', () => {
    it('writes the create request in the WSC order and reads it back', () => {
      const request = { operation: 'upsert', object: 'Contact', externalIdFieldName: 'Ext_Id__c', concurrencyMode: 'Parallel', contentType: 'CSV' } as const;
      const xml = serializeJobRequest(request, 'xml');
      expect(xml).to.equal(
        '<?xml version="1.0" encoding="UTF-8"?>\n<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload">\n <operation>upsert</operation>\n <object>Contact</object>\n <externalIdFieldName>Ext_Id__c</externalIdFieldName>\n <concurrencyMode>Parallel</concurrencyMode>\n <contentType>CSV</contentType>\n</jobInfo>',
      );
      expect(parseJobRequest(xml, 'xml')).to.deep.equal(request);
      expect(parseJobRequest(serializeJobRequest(request, 'json'), 'json')).to.deep.equal(request);
    });

    it('reads requests from other clients: any order, any prefix, no declaration, integer concurrencyMode', () => {
      const cumulus =
        '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>upsert</operation><object>Contact</object><externalIdFieldName>Id</externalIdFieldName><concurrencyMode>Parallel</concurrencyMode><contentType>CSV</contentType></jobInfo>';
      expect(parseJobRequest(cumulus, 'xml')).to.include({ externalIdFieldName: 'Id' });
      const prefixed =
        '<?xml version="1.0"?><n1:jobInfo xmlns:n1="http://www.force.com/2009/06/asyncapi/dataload"><n1:contentType>XML</n1:contentType><n1:object>Lead</n1:object><n1:operation>insert</n1:operation></n1:jobInfo>';
      expect(parseJobRequest(prefixed, 'xml')).to.deep.equal({ operation: 'insert', object: 'Lead', contentType: 'XML' });
      expect(parseJobRequest('{"operation":"insert","object":"Account","contentType":"JSON","concurrencyMode":1}', 'json')).to.include({ concurrencyMode: 'Serial' });
      expect(parseJobRequest('{"operation":"insert","object":"Account","concurrencyMode":0}', 'json')).to.include({ concurrencyMode: 'Parallel' });
    });

    it('rejects a bad operation, naming the field', () => {
      for (const body of [
        '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>INSERT</operation><object>A</object></jobInfo>',
        '<jobInfo><object>A</object></jobInfo>',
      ]) {
        expect(() => parseJobRequest(body, 'xml'))
          .to.throw()
          .with.property('field', 'operation');
      }
    });

    it('writes and reads close and abort, ignoring the id WSC sends', () => {
      expect(serializeJobStateRequest({ state: 'Closed' }, 'xml')).to.contain('<state>Closed</state>');
      expect(parseJobStateRequest(serializeJobStateRequest({ state: 'Aborted' }, 'json'), 'json')).to.deep.equal({ state: 'Aborted' });
      const wsc = '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><id>750D00000004SkGIAU</id><state>Closed</state></jobInfo>';
      expect(parseJobStateRequest(wsc, 'xml')).to.deep.equal({ state: 'Closed' });
      expect(() => parseJobStateRequest('<jobInfo><state>Open</state></jobInfo>', 'xml'))
        .to.throw()
        .with.property('code', 'BULK_PARSE');
    });
  });

  it('names the document and field of a bad value', () => {
    const bad = wireFixture('jetstream_jobInfo_open_update_v65.xml').replace('<numberRetries>0<', '<numberRetries>x<');
    expect(() => parseJobInfo(bad, 'xml'))
      .to.throw(/jobInfo, field numberRetries/)
      .with.property('code', 'BULK_PARSE');
  });

  it('refuses a DOCTYPE (no entity expansion) and malformed XML with line numbers', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><jobInfo>&lol;</jobInfo>';
    expect(() => parseJobInfo(bomb, 'xml'))
      .to.throw(/DOCTYPE/)
      .with.property('code', 'BULK_PARSE');
    const broken = '<?xml version="1.0"?>\n<jobInfo>\n <id>1</ide>\n</jobInfo>';
    expect(() => parseJobInfo(broken, 'xml'))
      .to.throw()
      .with.property('line', 3);
  });
});
