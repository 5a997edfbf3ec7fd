import { z } from 'zod';

// A task's form as a page of GOV.UK inputs, built from the zod schema its process definition declares
// for the task kind and outcome (the schema the API checks the same answers with). A new kind gets its
// form pages from its definition alone.

/** The part of JSON Schema (zod's `toJSONSchema`) the form pages read. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  format?: string;
  pattern?: string;
  /** `pence` for money (lib/field-schemas `pence`). */
  unit?: string;
  maxLength?: number;
  minItems?: number;
  description?: string;
  anyOf?: JsonSchema[];
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
}

type FieldKind = 'text' | 'textarea' | 'lines' | 'number' | 'pounds' | 'date' | 'choice' | 'choices' | 'confirm' | 'group' | 'rows';

/** One question of the page, with what was entered and the error it has, if any. */
export interface Field {
  kind: FieldKind;
  /** The path of the value in the form, e.g. `services.0.scope`: the name of its inputs and the key of its errors. */
  path: string;
  id: string;
  name: string;
  label: string;
  hint?: string;
  required: boolean;
  options?: { value: string; text: string }[];
  value?: unknown;
  error?: string;
  /** A group's questions, or each row's. */
  fields?: Field[];
  rows?: Field[][];
}

/** Words for a field from its key: `comparatorUnitCostPence` → "Comparator unit cost". */
export function labelOf(key: string): string {
  const words = key
    .replace(/Pence$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Money, held in pence and entered in pounds: a `pence` field, or an older `…Pence` key. */
const isPence = (key: string, schema: JsonSchema) => schema.unit === 'pence' || /Pence$/.test(key);

/** The keys of every money field in these forms: where the pages show a value without its schema (in pounds). */
export function moneyKeysOf(schemas: Record<string, z.ZodType>): Set<string> {
  const keys = new Set<string>();
  const visit = (schema: JsonSchema | undefined, key: string) => {
    if (!schema) return;
    if (key && isPence(key, schema) && ['integer', 'number'].includes(typeOf(schema) ?? '')) keys.add(key);
    for (const [k, property] of Object.entries(schema.properties ?? {})) visit(property, k);
    visit(schema.items, key);
    for (const option of schema.anyOf ?? []) visit(option, key);
  };
  for (const schema of Object.values(schemas)) visit(formSchemaOf(schema), '');
  return keys;
}
const typeOf = (schema: JsonSchema): string | undefined => (Array.isArray(schema.type) ? schema.type[0] : schema.type);
const YES_NO = [
  { value: 'true', text: 'Yes' },
  { value: 'false', text: 'No' },
];
const optionsOf = (values: unknown[]) => values.map((v) => ({ value: String(v), text: labelOf(String(v)) }));

/** The JSON Schema of a zod schema, as the form reads it (inputs, not the API's outputs). */
export const formSchemaOf = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/**
 * The page's questions for `schema`, filled with `values` and marked with `errors` (by path). `rows`
 * says how many rows each repeating question shows (at least one, or as many as have values).
 */
export function fieldsOf(
  schema: JsonSchema,
  values: Record<string, unknown>,
  errors: Record<string, string>,
  rows: Record<string, number> = {},
  prefix = '',
): Field[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([key, property]) =>
    fieldOf(key, property, values[key], errors, rows, prefix ? `${prefix}.${key}` : key, required.has(key)),
  );
}

function fieldOf(
  key: string,
  schema: JsonSchema,
  value: unknown,
  errors: Record<string, string>,
  rows: Record<string, number>,
  path: string,
  required: boolean,
): Field {
  const base = {
    path,
    id: `form-${path.replace(/\./g, '-')}`,
    name: `form[${path.split('.').join('][')}]`,
    label: labelOf(key) + (required ? '' : ' (optional)'),
    required,
    value,
    ...(schema.description ? { hint: schema.description } : {}),
  };
  const type = typeOf(schema);
  const kind = kindOf(key, schema);
  if (errors[path]) (base as { error?: string }).error = inWords(errors[path], kind, labelOf(key));
  // A yes-or-no question is a choice of two, its answer held as text on the page ('true', 'false').
  if (kind === 'choice' && type === 'boolean')
    return { ...base, kind, options: YES_NO, ...(typeof value === 'boolean' ? { value: String(value) } : {}) };
  if (kind === 'choice') return { ...base, kind, options: optionsOf(schema.enum ?? []) };
  if (kind === 'choices') return { ...base, kind, options: optionsOf(schema.items?.enum ?? []) };
  if (kind !== 'rows' && kind !== 'group') return { ...base, kind };
  if (type === 'array' && schema.items) {
    const entered = Array.isArray(value) ? value.length : 0;
    const count = Math.max(rows[path] ?? 0, entered, 1);
    return {
      ...base,
      kind: 'rows',
      rows: Array.from({ length: count }, (_, index) =>
        fieldsOf(schema.items as JsonSchema, rowValues(value, index), errors, rows, `${path}.${index}`),
      ),
    };
  }
  if (type === 'object' && schema.propertyNames?.enum) {
    // A sum per named thing (indicative payments per service): one optional question each.
    const each = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
    const keyed = Object.fromEntries(schema.propertyNames.enum.map((name) => [String(name), each]));
    return { ...base, kind: 'group', fields: fieldsOf({ properties: keyed }, objectValues(value), errors, rows, path) };
  }
  if (type === 'object') return { ...base, kind: 'group', fields: fieldsOf(schema, objectValues(value), errors, rows, path) };
  return { ...base, kind: 'textarea' };
}

/** Which input a question takes, from its schema (and `…Pence` keys, entered in pounds). */
function kindOf(key: string, schema: JsonSchema): FieldKind {
  const type = typeOf(schema);
  if (schema.const === true) return 'confirm';
  if (schema.enum || type === 'boolean') return 'choice';
  if (type === 'string' && schema.format === 'date') return 'date';
  // One line for names and references (up to 500 characters, or a pattern without a length: an id),
  // a box for what is written at length.
  if (type === 'string') return (schema.maxLength === undefined ? !schema.pattern : schema.maxLength > 500) ? 'textarea' : 'text';
  if (type === 'integer' || type === 'number') return isPence(key, schema) ? 'pounds' : 'number';
  if (type === 'array' && schema.items?.enum) return 'choices';
  if (type === 'array' && typeOf(schema.items ?? {}) === 'string') return 'lines';
  if (type === 'array' && schema.items) return 'rows';
  if (type === 'object') return 'group';
  return 'textarea';
}

/** A schema's message as GOV.UK words it: a missing answer is "Enter …" or "Select …". */
function inWords(message: string, kind: FieldKind, label: string): string {
  // Radios offer only the schema's options, so an option the schema refuses is none chosen.
  const missing = /received undefined|Required/i.test(message) || (kind === 'choice' && /^Invalid option/.test(message));
  const what = label.replace(/ \(optional\)$/, '');
  // A rule's words ("must be one line", "letters, digits … only") are said of the field they are for.
  if (!missing) return /^must /.test(message) ? `${what} ${message}` : /^[a-z]/.test(message) ? `${what}: ${message}` : message;
  const lower = what.charAt(0).toLowerCase() + what.slice(1);
  return ['choice', 'choices', 'confirm'].includes(kind) ? `Select ${lower}` : `Enter ${lower}`;
}

const objectValues = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const rowValues = (value: unknown, index: number) => objectValues(Array.isArray(value) ? value[index] : undefined);

/**
 * What the person entered, as the API takes it: numbers as numbers, pounds as pence, dates from their
 * day, month and year, lines as lists; what was left empty is left out (an optional field not given).
 */
export function valuesFrom(schema: JsonSchema, entered: unknown): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const given = objectValues(entered);
  const required = new Set(schema.required ?? []);
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const value = valueOf(key, property, given[key]);
    if (value !== undefined) values[key] = value;
    // A required group left empty is checked as an empty group, so each of its questions says what it needs.
    else if (required.has(key) && typeOf(property) === 'object' && property.properties) values[key] = {};
  }
  return values;
}

function valueOf(key: string, schema: JsonSchema, entered: unknown): unknown {
  const type = typeOf(schema);
  if (schema.const === true) return entered === 'true' ? true : undefined;
  if (type === 'boolean') return entered === 'true' ? true : entered === 'false' ? false : undefined;
  if (type === 'string' && schema.format === 'date') {
    const { day, month, year } = objectValues(entered) as { day?: string; month?: string; year?: string };
    if (!day && !month && !year) return undefined;
    return `${String(year ?? '').trim()}-${String(month ?? '')
      .trim()
      .padStart(2, '0')}-${String(day ?? '')
      .trim()
      .padStart(2, '0')}`;
  }
  if (schema.enum || type === 'string') return typeof entered === 'string' && entered.trim() !== '' ? entered : undefined;
  if (type === 'integer' || type === 'number') {
    if (typeof entered !== 'string' || entered.trim() === '') return undefined;
    const number = Number(entered.replace(/[£,\s]/g, ''));
    if (Number.isNaN(number)) return entered;
    return isPence(key, schema) ? Math.round(number * 100) : number;
  }
  if (type === 'array' && schema.items?.enum) {
    const chosen = (Array.isArray(entered) ? entered : entered === undefined ? [] : [entered]).filter((v) => v !== '');
    return chosen.length ? chosen : undefined;
  }
  if (type === 'array' && typeOf(schema.items ?? {}) === 'string') {
    const lines =
      typeof entered === 'string'
        ? entered
            .split(/\r?\n/)
            .map((line) => line.trim())
            .filter(Boolean)
        : [];
    return lines.length ? lines : undefined;
  }
  if (type === 'array' && schema.items) {
    const list = Array.isArray(entered) ? entered : Object.values(objectValues(entered));
    const filled = list.map((row) => valuesFrom(schema.items as JsonSchema, row)).filter((row) => Object.keys(row).length > 0);
    return filled.length ? filled : undefined;
  }
  if (type === 'object' && schema.propertyNames?.enum) {
    const each = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
    const keyed = Object.fromEntries(schema.propertyNames.enum.map((name) => [String(name), each]));
    const sums = valuesFrom({ properties: keyed }, entered);
    return Object.keys(sums).length ? sums : undefined;
  }
  if (type === 'object') {
    const inner = valuesFrom(schema, entered);
    return Object.keys(inner).length ? inner : undefined;
  }
  return typeof entered === 'string' && entered.trim() !== '' ? entered : undefined;
}

/** Errors by field path from the API's (or the schema's) validation issues, in GOV.UK's words where we can. */
export function errorsFrom(issues: { path: string; message: string }[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.path.replace(/^form\./, '');
    errors[path] ??= issue.message;
  }
  return errors;
}

/** The fields that have errors, in page order, for the error summary. */
export function errorList(fields: Field[]): { text: string; href: string }[] {
  return fields.flatMap((field) => [
    // A date's error takes the person to its day, as GOV.UK's date input asks.
    ...(field.error ? [{ text: field.error, href: `#${field.id}${field.kind === 'date' ? '-day' : ''}` }] : []),
    ...errorList(field.fields ?? []),
    ...(field.rows ?? []).flatMap((row) => errorList(row)),
  ]);
}
