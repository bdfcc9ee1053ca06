import { expect } from 'chai';
import { flattenRecord } from '../../../lib/records/json-object-fields.js';
import { jsonCursor, parseFlatJsonObject } from '../../../lib/records/flat-json-object.js';

const context = { source: 'test', line: 1, record: 1 };

describe('lib/records/flat-json-object', () => {
  it('reads flat objects as flattenRecord(JSON.parse()) does', () => {
    const samples = [
      '{}',
      ' { } ',
      '{"Name":"Acme","Count":3,"Rate":1.50,"Big":1e21,"Neg":-0,"Ok":true,"No":false,"Gone":null}',
      '{ "Name" : "Zoë 日本" ,\n  "Empty": "" }\r\n',
      '{"Exp":2.5E-3,"Zero":0}',
    ];
    for (const text of samples) {
      expect(parseFlatJsonObject(text), text).to.deep.equal(flattenRecord(JSON.parse(text), context));
    }
  });

  it('leaves everything else to JSON.parse', () => {
    const others = [
      '{"A":"1","A":"2"}', // a repeated key: the slow path rejects the record
      '{"Note":"a \\"quoted\\" word"}',
      '{"Line":"a\\nb"}',
      '{"Account":{"Ext__c":"A-1"}}',
      '{"List":[1]}',
      '{"__proto__":"x"}',
      '{"Tab":"a\tb"}',
      '{"A":01}',
      '{"A":tru}',
      '{"A":"1",}',
      '{"A":"1"} x',
      '{"A":"1"',
      '["A"]',
      '',
    ];
    for (const text of others) expect(parseFlatJsonObject(text), text).to.equal(undefined);
  });

  it('agrees with JSON.parse on seeded random flat records', () => {
    let seed = 11;
    const rand = (k: number) => (seed = (seed * 48271) % 2147483647) % k;
    const atoms = ['"x"', '"a b"', '""', '12', '-3.25', '1e5', 'true', 'false', 'null', '"ü"', '"\\u0041"', '{"B":"c"}'];
    for (let round = 0; round < 500; round++) {
      const parts = Array.from({ length: rand(6) }, (_, i) => `${' '.repeat(rand(2))}"F${i}"${' '.repeat(rand(2))}:${atoms[rand(atoms.length)]}`);
      const text = `{${parts.join(',')}}`;
      const fast = parseFlatJsonObject(text);
      if (fast !== undefined) expect(fast, text).to.deep.equal(flattenRecord(JSON.parse(text), context));
    }
  });

  it('a cursor reused across records recognizes repeated keys and still reads changed ones right', () => {
    const cursor = jsonCursor();
    const same = ['{"A":"1","B":"2"}', '{"A":"3","B":"4"}', '{"A":"5","B":"6"}', '{"A":"7","B":"8"}']; // repeated keys: a factory is built
    const records = [
      ...same,
      '{"X":"1","B":"\\n"}',
      '{"X":"1","B":"2"}',
      ...same,
      '{"AB":"5"}',
      '{"A":"6","BB":"7","C":"8"}',
      '{"A\\"":"9"}',
      '{"B":"x","A":"y"}',
      '{"A":"1","B":"2"}',
      '{}',
      '{"A":"1","A":"2"}',
    ];
    for (const text of records) {
      const fast = parseFlatJsonObject(text, 0, text.length, cursor);
      if (text.includes('\\') || text === '{"A":"1","A":"2"}') expect(fast, text).to.equal(undefined);
      else expect(fast, text).to.deep.equal(JSON.parse(text));
    }
  });
});
