/**
 * SOQL to SQL for the queries Bulk API runs: a field list with one level of parent relationship
 * fields, WHERE with comparisons, LIKE, IN / NOT IN, NOT, AND / OR and parentheses, null, date and
 * dateTime literals, ORDER BY and LIMIT. Parsing is @jetstreamapp/soql-parser-js (a maintained
 * grammar); what it cannot express, or Bulk queries refuse, fails the batch with Salesforce's
 * `InvalidBatch : Failed to process query: ...` texts.
 */
import type { Query } from '@jetstreamapp/soql-parser-js';
import { soqlParser } from '../../lib/packages.js';
import { isValidId, toId18 } from '../../lib/ids.js';
import type { FieldDef, ObjectDef, OrgSchema } from '../org/schema.js';
import { BatchFailure } from '../processing/payload.js';
import { foundToken, soqlErrorAt } from './soql-position.js';
import { SYSTEM_COLUMNS, jsonPath } from '../store/records-store.js';

export interface SelectedField {
  /** The column as written in the SOQL (CSV header), e.g. `Account.Name`. */
  readonly label: string;
  readonly field: FieldDef;
  /** Set for parent fields: the relationship (canonical name), its object, and its join alias. */
  readonly parent?: { readonly name: string; readonly object: ObjectDef; readonly alias: string };
}

export interface CompiledQuery {
  readonly object: ObjectDef;
  readonly fields: readonly SelectedField[];
  /** Parent joins by alias: alias -> reference field. */
  readonly joins: ReadonlyMap<string, { readonly reference: FieldDef; readonly object: ObjectDef }>;
  /** SQL and parameters of the WHERE part (without the object and deletion filters). */
  readonly where: string;
  readonly whereParams: readonly unknown[];
  readonly orderBy: string | undefined;
  readonly limit: number | undefined;
  /**
   * The REST query's `SELECT COUNT() FROM ...` (no expression: the answer is its totalSize) or
   * `SELECT COUNT(Field) [alias] FROM ...` (an AggregateResult whose key is the alias, else `expr0`).
   */
  readonly count?: { readonly expression: string | undefined; readonly label: string };
}

/** What differs between the query surfaces. */
interface SoqlOptions {
  /** The REST query: COUNT() and COUNT(field) are served, and refusals do not speak of the Bulk API. Default false. */
  readonly rest?: boolean;
}

interface FunctionField {
  readonly type: string;
  readonly functionName?: string;
  readonly parameters?: readonly unknown[];
  readonly alias?: string;
}

const fail = (code: string, message: string) => new BatchFailure('InvalidBatch', `Failed to process query: ${code}: ${message}`);

/** A query the parser refused, worded as Salesforce words it: the token it did not expect, and where. */
function malformed(soql: string, err: unknown): BatchFailure {
  const found = foundToken((err as Error).message ?? '');
  return fail('MALFORMED_QUERY', soqlErrorAt(soql, found, `unexpected token: ${found ? found : '<EOF>'}`));
}

interface Condition {
  readonly field?: string;
  readonly operator?: string;
  readonly literalType?: string | string[];
  readonly value?: string | string[];
  readonly openParen?: number;
  readonly closeParen?: number;
  readonly valueQuery?: unknown;
  readonly fn?: unknown;
}

interface WhereNode {
  readonly left: Condition | null;
  readonly operator?: string;
  readonly right?: WhereNode;
}

/**
 * Compiles a query of a Bulk query job on `jobObject`; without a job (the REST query), of the
 * object its FROM names, which must be one of the org's (INVALID_TYPE otherwise).
 */
export function compileSoql(soql: string, schema: OrgSchema, jobObject?: string, options: SoqlOptions = {}): CompiledQuery {
  const { parseQuery } = soqlParser(); // loaded at the first query (issue 28)
  let query: Query;
  try {
    query = parseQuery(soql);
  } catch (err) {
    throw malformed(soql, err);
  }
  if (jobObject !== undefined && query.sObject?.toLowerCase() !== jobObject.toLowerCase()) {
    throw fail(
      'INVALID_TYPE_FOR_OPERATION',
      `The root entity of the requested query (${query.sObject ?? ''}) does not match the entity of the requested Bulk API Job (${jobObject}).`,
    );
  }
  const named = jobObject ?? query.sObject ?? '';
  const found = schema.object(named);
  if (!found)
    throw fail('INVALID_TYPE', `sObject type '${named}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
  const object = found;
  const compiler = new Compiler(schema, object, soql);
  const by = options.rest ? 'the local org' : 'Bulk API query';
  const count = options.rest ? countOf(compiler, (query.fields ?? []) as readonly FunctionField[]) : undefined;
  const fields = count ? [] : (query.fields ?? []).map((f) => compiler.selected(f as { type: string; field?: string; relationships?: string[]; rawValue?: string }, by));
  if (fields.length === 0 && !count) throw fail('MALFORMED_QUERY', 'no fields selected');
  const params: unknown[] = [];
  const where = query.where ? compiler.where(query.where as unknown as WhereNode, params) : '';
  if ((query as { groupBy?: unknown }).groupBy || (query as { having?: unknown }).having) throw fail('FUNCTIONALITY_NOT_ENABLED', `GROUP BY is not supported by ${by}`);
  if ((query as { offset?: unknown }).offset !== undefined) throw fail('FUNCTIONALITY_NOT_ENABLED', `OFFSET is not supported by ${by}`);
  const orderBy = query.orderBy
    ? (Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy])
        .map((o) => {
          const order = o as { field?: string; order?: string; nulls?: string };
          if (!order.field) throw fail('MALFORMED_QUERY', 'ORDER BY supports fields only');
          return `${compiler.expression(order.field)} ${order.order === 'DESC' ? 'DESC' : 'ASC'}${order.nulls ? ` NULLS ${order.nulls === 'LAST' ? 'LAST' : 'FIRST'}` : ''}`;
        })
        .join(', ')
    : undefined;
  return { object, fields, joins: compiler.joins, where, whereParams: params, orderBy, limit: query.limit, ...(count ? { count } : {}) };
}

/**
 * A REST query's lone COUNT() or COUNT(field), or undefined when it selects fields. Salesforce
 * answers `COUNT()` with a totalSize and no records, and `COUNT(Id)` with one AggregateResult whose
 * key is `expr0` unless aliased (REST API guide, "Query"; jsforce's `count()` reads totalSize).
 */
function countOf(compiler: Compiler, fields: readonly FunctionField[]): CompiledQuery['count'] {
  const [first] = fields;
  if (fields.length !== 1 || first?.type !== 'FieldFunctionExpression' || first.functionName?.toUpperCase() !== 'COUNT') return undefined;
  const [param, ...more] = first.parameters ?? [];
  if (more.length > 0 || (param !== undefined && typeof param !== 'string')) throw fail('MALFORMED_QUERY', 'COUNT takes one field');
  return { expression: param === undefined ? undefined : compiler.expression(param), label: first.alias ?? 'expr0' };
}

class Compiler {
  readonly joins = new Map<string, { reference: FieldDef; object: ObjectDef }>();
  readonly #schema: OrgSchema;
  readonly #object: ObjectDef;
  readonly #soql: string;

  constructor(schema: OrgSchema, object: ObjectDef, soql: string) {
    this.#schema = schema;
    this.#object = object;
    this.#soql = soql;
  }

  selected(f: { type: string; field?: string; relationships?: string[]; rawValue?: string }, by: string): SelectedField {
    if (f.type === 'Field' && f.field) return { label: f.field, field: this.#field(this.#object, f.field) };
    if (f.type === 'FieldRelationship' && f.field && f.relationships?.length === 1) {
      const { name, alias, object } = this.#join(f.relationships[0] as string);
      return { label: f.rawValue ?? `${f.relationships[0]}.${f.field}`, field: this.#field(object, f.field), parent: { name, object, alias } };
    }
    if (f.type === 'FieldRelationship') throw fail('FUNCTIONALITY_NOT_ENABLED', 'only one level of parent relationship is supported by the local org');
    if (f.type === 'FieldSubquery') throw fail('FUNCTIONALITY_NOT_ENABLED', `Nested queries are not supported by ${by}`);
    if (f.type === 'FieldFunctionExpression')
      throw fail(
        'FUNCTIONALITY_NOT_ENABLED',
        by === 'Bulk API query' ? 'Aggregate queries are not supported by Bulk API query' : `Aggregate queries other than a lone COUNT() are not supported by ${by}`,
      );
    throw fail('FUNCTIONALITY_NOT_ENABLED', `${f.rawValue ?? f.type} is not supported by ${by}`);
  }

  /** The SQL expression of a field path (`Name`, `Account.Name`). */
  expression(path: string): string {
    const parts = path.split('.');
    if (parts.length === 1) return columnOf('r', this.#field(this.#object, path));
    if (parts.length === 2) {
      const { alias, object } = this.#join(parts[0] as string);
      return columnOf(alias, this.#field(object, parts[1] as string));
    }
    throw fail('FUNCTIONALITY_NOT_ENABLED', 'only one level of parent relationship is supported by the local org');
  }

  where(node: WhereNode, params: unknown[]): string {
    let sql = '';
    for (let cur: WhereNode | undefined = node; cur; cur = cur.right) {
      if (cur.left) {
        const c = cur.left;
        sql += `${'('.repeat(c.openParen ?? 0)}${this.#condition(c, params)}${')'.repeat(c.closeParen ?? 0)}`;
      }
      if (cur.operator) sql += ` ${cur.operator === 'NOT' ? 'NOT' : cur.operator === 'OR' ? 'OR' : 'AND'} `;
    }
    return sql;
  }

  #condition(c: Condition, params: unknown[]): string {
    if (!c.field || !c.operator || c.valueQuery || c.fn) throw fail('FUNCTIONALITY_NOT_ENABLED', 'semi-joins and functions in WHERE are not supported by the local org');
    const expr = this.expression(c.field);
    const field = this.#fieldOfPath(c.field);
    const op = c.operator.toUpperCase();
    const type = Array.isArray(c.literalType) ? c.literalType[0] : c.literalType;
    if (type === 'NULL') {
      if (op === '=') return `${expr} IS NULL`;
      if (op === '!=') return `${expr} IS NOT NULL`;
      throw fail('MALFORMED_QUERY', `null can only be compared with = or !=`);
    }
    const text = isText(field) ? ' COLLATE NOCASE' : '';
    if (op === 'IN' || op === 'NOT IN') {
      const values = Array.isArray(c.value) ? c.value : [c.value ?? ''];
      for (const v of values) params.push(this.#literal(field, v, type));
      return `${expr}${text} ${op} (${values.map(() => '?').join(', ')})`;
    }
    if (Array.isArray(c.value)) throw fail('MALFORMED_QUERY', `${op} takes one value`);
    const SQL_OPS: Record<string, string> = { '=': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=', LIKE: 'LIKE' };
    const sqlOp = SQL_OPS[op];
    if (!sqlOp) throw fail('FUNCTIONALITY_NOT_ENABLED', `operator ${op} is not supported by the local org`);
    params.push(this.#literal(field, c.value ?? '', type));
    // != in SOQL is true for nulls too; SQL's is not.
    if (sqlOp === '!=') return `(${expr} IS NULL OR ${expr}${text} != ?)`;
    return sqlOp === 'LIKE' ? `${expr} LIKE ? ESCAPE '\\'` : `${expr}${text} ${sqlOp} ?`;
  }

  #literal(field: FieldDef, raw: string, type: string | undefined): unknown {
    switch (type) {
      case 'STRING': {
        const value = unquote(raw);
        return (field.type === 'id' || field.type === 'reference') && isValidId(value) ? toId18(value) : value;
      }
      case 'INTEGER':
      case 'DECIMAL':
      case 'INTEGER_WITH_CURRENCY_PREFIX':
      case 'DECIMAL_WITH_CURRENCY_PREFIX':
        return Number(raw.replace(/^[A-Z]{3}/, ''));
      case 'BOOLEAN':
        return raw.toUpperCase() === 'TRUE' ? 1 : 0;
      case 'DATE':
        return raw;
      case 'DATETIME': {
        const date = new Date(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        if (Number.isNaN(date.getTime())) throw fail('MALFORMED_QUERY', `invalid dateTime ${raw}`);
        return date.toISOString();
      }
      default:
        throw fail('FUNCTIONALITY_NOT_ENABLED', `${type ?? 'this'} literal (${raw}) is not supported by the local org`);
    }
  }

  #fieldOfPath(path: string): FieldDef {
    const parts = path.split('.');
    if (parts.length === 1) return this.#field(this.#object, path);
    return this.#field(this.#join(parts[0] as string).object, parts[1] as string);
  }

  #join(relationship: string): { name: string; alias: string; object: ObjectDef } {
    const reference = [...this.#object.fields.values()].find((f) => f.type === 'reference' && f.relationshipName?.toLowerCase() === relationship.toLowerCase());
    const object = reference?.referenceTo ? this.#schema.object(reference.referenceTo) : undefined;
    if (!reference || !object) {
      throw fail('INVALID_FIELD', `Didn't understand relationship '${relationship}' in field path. ${this.#hint()}`);
    }
    const alias = `p_${reference.name.toLowerCase()}`;
    this.joins.set(alias, { reference, object });
    return { name: reference.relationshipName as string, alias, object };
  }

  #field(object: ObjectDef, name: string): FieldDef {
    const field = object.fields.get(name.toLowerCase()) ?? (this.#schema.acceptUnknown ? this.#schema.field(object, name) : undefined);
    if (!field) throw fail('INVALID_FIELD', `${soqlErrorAt(this.#soql, name, `No such column '${name}' on entity '${object.name}'.`)} ${this.#hint()}`);
    // As Salesforce: binary fields are not for the Bulk API's queries (their bytes come through REST).
    if (field.type === 'base64')
      throw fail(
        'FUNCTIONALITY_NOT_ENABLED',
        `Binary field ${object.name}.${field.name} cannot be queried with the Bulk API (GET /services/data/vXX.X/sobjects/${object.name}/<id>/${field.name} returns its bytes)`,
      );
    return field;
  }

  #hint(): string {
    return "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";
  }
}

function isText(field: FieldDef): boolean {
  return !['boolean', 'int', 'double', 'currency', 'percent', 'date', 'datetime', 'id', 'reference'].includes(field.type);
}

/** The SQL expression of a stored field of the record (or parent) aliased `alias`. */
function columnOf(alias: string, field: FieldDef): string {
  if (field.name === 'Id') return `${alias}.id`;
  const system = SYSTEM_COLUMNS[field.name];
  if (system) return `${alias}.${system}`;
  return `json_extract(${alias}.data, ${jsonPath(field.name)})`;
}

/** A SOQL string literal's value: quotes removed, backslash escapes undone. */
function unquote(raw: string): string {
  const inner = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  const ESC: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };
  return inner.replace(/\\(.)/g, (_m, c: string) => ESC[c] ?? `\\${c}`);
}
