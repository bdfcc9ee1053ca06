import { expect } from 'chai';
import { describeColumnPlan, isResultColumn, planColumns } from '../../../lib/load/column-plan.js';

describe('lib/load/column-plan', () => {
  it('uploads every column as it is when none is a result column', () => {
    const plan = planColumns(['Name', 'Phone'], 'insert');
    expect(plan).to.deep.include({ upload: ['Name', 'Phone'], sources: ['Name', 'Phone'], dropped: [], identity: true, reload: undefined, idFrom: undefined });
    expect(describeColumnPlan(plan)).to.equal(undefined);
  });

  it('leaves out the result columns of an error file, whatever their case', () => {
    const plan = planColumns(['Name', 'sf__Error', 'SF__ROW'], 'insert');
    expect(plan).to.deep.include({ upload: ['Name'], dropped: ['sf__Error', 'SF__ROW'], identity: false, reload: 'errors' });
    expect(describeColumnPlan(plan)).to.equal('a bulkpipe error file: sf__Error, SF__ROW are result columns, not uploaded');
    expect(isResultColumn('sf__created')).to.equal(true);
    // A load that retried records writes sf__Attempts (issue 26): a result column too.
    expect(planColumns(['Name', 'sf__Id', 'sf__Created', 'sf__Row', 'sf__Attempts'], 'insert')).to.deep.include({ upload: ['Name'], reload: 'success' });
    expect(isResultColumn('sf__Other')).to.equal(false);
  });

  it('takes sf__Id as the Id of an update, and as the only column of a delete, when there is no Id', () => {
    const success = ['Name', 'sf__Id', 'sf__Created', 'sf__Row'];
    expect(planColumns(success, 'update')).to.deep.include({ upload: ['Name', 'Id'], sources: ['Name', 'sf__Id'], idFrom: 'sf__Id', reload: 'success' });
    for (const operation of ['delete', 'hardDelete'] as const) {
      expect(planColumns(success, operation)).to.deep.include({ upload: ['Id'], sources: ['sf__Id'], dropped: ['Name', 'sf__Created', 'sf__Row'] });
    }
    expect(describeColumnPlan(planColumns(success, 'delete'))).to.equal(
      'a bulkpipe success file: sf__Id is uploaded as Id; sf__Created, sf__Row are result columns, not uploaded; a delete sends the Id alone: Name not uploaded',
    );
    // With an Id of its own, or for an insert or upsert, sf__Id is a result column like the others.
    expect(planColumns(['Id', 'Name', 'sf__Id'], 'update')).to.deep.include({ upload: ['Id', 'Name'], idFrom: undefined });
    expect(planColumns(success, 'upsert')).to.deep.include({ upload: ['Name'], idFrom: undefined });
  });

  it('uploads nothing when every column is a result column (the caller refuses it)', () => {
    expect(planColumns(['sf__Error'], 'insert').upload).to.deep.equal([]);
  });

  it('drops the columns without a name (an Excel export), naming them by number in the notice (issue 27)', () => {
    const plan = planColumns(['Name', 'Phone', '', ''], 'insert');
    expect(plan).to.deep.include({ upload: ['Name', 'Phone'], sources: ['Name', 'Phone'], unnamed: [3, 4], identity: false, reload: undefined });
    expect(describeColumnPlan(plan, 'excel.csv')).to.equal(
      "excel.csv: the header's columns 3 and 4 have no name: they are not uploaded (a record with a value there goes to the errors; in the first --batch-size records, it stops the load before the job)",
    );
    expect(describeColumnPlan(planColumns(['Name', '', 'sf__Error'], 'insert'), 'e.csv')).to.match(
      /^a bulkpipe error file: e\.csv: the header's column 2 has no name: it is not uploaded .*; sf__Error is a result column, not uploaded$/,
    );
  });
});
