// Kept over sax (issue 28): data.ts Accounts XML for 3.9x less CPU (1.8x with entities and line breaks in every record), sax wrapped for the same records and lines (benchmarks/hand-written-vs-library.bench.ts).
/**
 * A fast path for the commonest XML record: the inside of one `<sObject>` whose children are plain
 * fields (`<Name>text</Name>`, `<Name/>`, `<Name xsi:nil="true"/>`) or parent references one level
 * deep (`<Account><type>Account</type><Ext__c>A-1</Ext__c></Account>`), text with the five XML
 * entities and character references. It gives what the sax reader gives for such a record, several
 * times faster; anything else (CDATA, comments, prefixes, other attributes, a carriage return,
 * deeper nesting, a field given twice, malformed text) returns undefined and the caller hands the record to sax.
 */
import type { InputValue } from '../load-types.js';
import { skipSpace } from '../text/whitespace.js';

const LT = 0x3c;
const NAME = /^[A-Za-z_][\w.-]*$/;
/** An ampersand that does not start one of the references sax (strictEntities) knows. */
const UNKNOWN_REFERENCE = /&(?!(?:#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);)/;
const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Reads the fields of the record whose content is text[start, end). `nilAttribute` is the
 * qualified name that means xsi:nil in this document (e.g. `xsi:nil`), or '' when none is declared.
 */
export function readFlatXmlRecord(text: string, start: number, end: number, nilAttribute: string): Record<string, InputValue> | undefined {
  const fields: Record<string, InputValue> = {};
  let i = start;
  for (;;) {
    i = skipSpace(text, i, end);
    if (i >= end) return fields;
    const child = readElement(text, i, end, nilAttribute, true);
    if (!child) return undefined;
    // A field given twice is declined: sax then reads the record and rejects it by name.
    if (child.children) {
      for (const [name, value] of child.children) {
        const key = `${child.name}.${name}`;
        if (Object.hasOwn(fields, key)) return undefined;
        fields[key] = value;
      }
    } else {
      if (Object.hasOwn(fields, child.name)) return undefined;
      fields[child.name] = child.value;
    }
    i = child.next;
  }
}

interface Element {
  readonly name: string;
  readonly value: InputValue;
  /** A parent reference's fields (without its `type`), when it has any. */
  readonly children: Array<[string, InputValue]> | undefined;
  readonly next: number;
}

function readElement(text: string, i: number, end: number, nilAttribute: string, allowChildren: boolean): Element | undefined {
  if (text.charCodeAt(i) !== LT) return undefined;
  const gt = text.indexOf('>', i);
  if (gt < 0 || gt >= end) return undefined;
  const tag = text.slice(i + 1, gt);
  if (tag.charCodeAt(tag.length - 1) === 0x2f) {
    const inner = tag.slice(0, -1).trimEnd();
    const space = inner.search(/\s/);
    if (space < 0) return NAME.test(inner) ? { name: inner, value: '', children: undefined, next: gt + 1 } : undefined;
    const name = inner.slice(0, space);
    const attribute = inner.slice(space).trim();
    const nil = nilAttribute !== '' && (attribute === `${nilAttribute}="true"` || attribute === `${nilAttribute}='true'`);
    return nil && NAME.test(name) ? { name, value: null, children: undefined, next: gt + 1 } : undefined;
  }
  if (!NAME.test(tag)) return undefined; // attributes, a prefix, a comment, CDATA, a closing tag
  const close = text.indexOf(`</${tag}>`, gt + 1);
  if (close < 0 || close >= end) return undefined;
  const next = close + tag.length + 3;
  const lt = text.indexOf('<', gt + 1);
  if (lt < 0 || lt >= close) {
    const value = decodeText(text.slice(gt + 1, close));
    return value === undefined ? undefined : { name: tag, value, children: undefined, next };
  }
  if (!allowChildren) return undefined;
  const children: Array<[string, InputValue]> = [];
  let j = gt + 1;
  for (;;) {
    j = skipSpace(text, j, close);
    if (j >= close) break;
    const inner = readElement(text, j, close, nilAttribute, false);
    if (!inner) return undefined;
    if (inner.name !== 'type') children.push([inner.name, inner.value]);
    j = inner.next;
  }
  // Like the sax reader: a parent whose only child is its `type` reads as its text, here blank.
  if (children.length === 0) return undefined;
  return { name: tag, value: null, children, next };
}

/** Element text with its references decoded; undefined for anything sax should judge. */
function decodeText(raw: string): string | undefined {
  if (raw.indexOf('\r') >= 0 || raw.indexOf(']]>') >= 0) return undefined;
  if (raw.indexOf('&') < 0) return raw;
  if (UNKNOWN_REFERENCE.test(raw)) return undefined;
  let bad = false;
  const text = raw.replace(REFERENCE, (_m, ref: string) => {
    if (ref.charCodeAt(0) !== 0x23) return NAMED[ref] as string;
    const code = ref.charCodeAt(1) === 0x78 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (!(code > 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
      bad = true;
      return '';
    }
    return String.fromCodePoint(code);
  });
  return bad ? undefined : text;
}
