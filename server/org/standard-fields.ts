/**
 * Shorthands for the standard objects' field lists, so that each list reads like the Object
 * Reference: a name, a type and the properties that matter to a load (length, required, reference,
 * read-only).
 */
import type { FieldDef } from './schema.js';

type Extra = Partial<Omit<FieldDef, 'name' | 'type'>>;

/** A standard object: its fields beyond the system ones; `owned: false` when Salesforce gives it no OwnerId. */
export interface StandardObject {
  readonly name: string;
  readonly keyPrefix: string;
  readonly fields: readonly FieldDef[];
  readonly owned?: false;
}

export const text = (name: string, length = 255, extra: Extra = {}): FieldDef => ({ name, type: 'string', length, ...extra });
export const longText = (name: string, length = 32_000, extra: Extra = {}): FieldDef => ({ name, type: 'textarea', length, ...extra });
export const picklist = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'picklist', length: 255, ...extra });
export const phone = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'phone', length: 40, ...extra });
export const email = (name: string, length = 80, extra: Extra = {}): FieldDef => ({ name, type: 'email', length, ...extra });
export const url = (name: string, length = 255, extra: Extra = {}): FieldDef => ({ name, type: 'url', length, ...extra });
export const flag = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'boolean', ...extra });
export const integer = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'int', ...extra });
export const double = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'double', ...extra });
export const currency = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'currency', ...extra });
export const percent = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'percent', ...extra });
export const date = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'date', ...extra });
export const datetime = (name: string, extra: Extra = {}): FieldDef => ({ name, type: 'datetime', ...extra });

/** A lookup: `reference('AccountId', 'Account')` has the relationship name `Account` (the name without `Id`). */
export const reference = (name: string, referenceTo: string, extra: Extra = {}): FieldDef => ({
  name,
  type: 'reference',
  referenceTo,
  relationshipName: name.replace(/Id$/, ''),
  ...extra,
});

/** Set by Salesforce only (formulas, roll-ups, audit and conversion fields): an upload naming one fails its rows. */
export const READ_ONLY = { readOnly: true } as const;
export const REQUIRED = { required: true } as const;
/**
 * A parent lookup that Salesforce locks while a child is written (its Record Locking Cheat Sheet:
 * Contact, Opportunity and Case lock their Account, a Case its Contact, a master-detail child its
 * master): the local org's row locks (server/processing/row-locks.ts) take it.
 */
export const LOCKS_PARENT = { locksParent: true } as const;

/**
 * The parts of an address under a prefix (`Billing`, `Mailing`, or none for Lead's), as the Object
 * Reference lists them. The compound field itself (`BillingAddress`) is left out: the Bulk API
 * cannot load or query compound fields.
 */
export function addressParts(prefix: string, extra: Extra = {}): FieldDef[] {
  return [
    longText(`${prefix}Street`, 255, extra),
    text(`${prefix}City`, 40, extra),
    text(`${prefix}State`, 80, extra),
    text(`${prefix}PostalCode`, 20, extra),
    text(`${prefix}Country`, 80, extra),
    double(`${prefix}Latitude`, extra),
    double(`${prefix}Longitude`, extra),
    picklist(`${prefix}GeocodeAccuracy`, extra),
  ];
}

/** The view-tracking dates most objects carry, set by the UI and never by a load. */
export const viewedDates = (): FieldDef[] => [datetime('LastViewedDate', READ_ONLY), datetime('LastReferencedDate', READ_ONLY)];
