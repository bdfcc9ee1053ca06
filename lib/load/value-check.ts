/**
 * A record's values checked against the object's describe, as the org would read them: numbers,
 * booleans, dates and date-times, ids, text lengths, emails (lib/records/field-values.ts, the same
 * reading the local org stores with) and restricted picklists. For `load --dry-run`: the errors a
 * load would meet in the org, found without a job. Relationship columns (`Account.Ext__c`) name
 * another object's field and are left to the org.
 */
import type { InputValue } from '../load-types.js';
import { convertValue } from '../records/field-values.js';
import type { FieldDescribe, SObjectDescribe } from '../wire/describe.js';

export class ValueCheck {
  readonly #fields: Map<string, FieldDescribe>;

  constructor(object: SObjectDescribe) {
    this.#fields = new Map(object.fields.map((f) => [f.name.toLowerCase(), f]));
  }

  /** The first value of the record the org would refuse, as an error in the CSV result form; undefined when none. */
  problem(fields: Readonly<Record<string, InputValue>>): string | undefined {
    let column = 0;
    for (const name in fields) {
      column++;
      const raw = fields[name];
      if (raw === null || raw === undefined || raw === '') continue; // not set, or set to null: the org's to judge
      const field = this.#fields.get(name.toLowerCase());
      if (!field) continue; // a relationship column, or a result column: not a field of this object
      const converted = convertValue(field, raw, column);
      if ('error' in converted) return `${converted.error.statusCode}:${converted.error.message}:${converted.error.fields.join(',')} --`;
      if (field.type === 'picklist' && field.restrictedPicklist && !field.picklistValues.some((p) => p.active && p.value === raw)) {
        return `INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:${field.label}: bad value for restricted picklist field: ${raw}:${field.name} --`;
      }
    }
    return undefined;
  }
}
