import { labelOf } from './forms';

const POUNDS = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
/** An amount in pence as pounds: "£1,200.00". */
export const inPounds = (pence: number): string => POUNDS.format(pence / 100);

/**
 * A value as a person reads it: money in pounds (its key one of `money`, the forms' money fields, or
 * ending `Pence`), lists as lines, objects as "name: value" lines, never JSON.
 */
export function linesOf(key: string, value: unknown, money: ReadonlySet<string> = new Set()): string[] {
  if (value === null || value === undefined || value === '') return [];
  if (typeof value === 'number') return [money.has(key) || /Pence$/.test(key) ? inPounds(value) : value.toLocaleString('en-GB')];
  if (typeof value === 'boolean') return [value ? 'Yes' : 'No'];
  if (typeof value === 'string') return [/^[a-z]+(_[a-z]+)+$/.test(value) ? labelOf(value) : value];
  if (Array.isArray(value))
    return value.flatMap((item) =>
      typeof item === 'object' && item !== null ? [linesOf('', item, money).join('; ')] : linesOf(key, item, money),
    );
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const lines = linesOf(k, v, money);
    return lines.length ? [`${labelOf(k)}: ${lines.join(', ')}`] : [];
  });
}

/** A task's business data (or a form's answers) as GOV.UK summary list rows. */
export function summaryRows(data: unknown, money?: ReadonlySet<string>): { key: { text: string }; value: { html: string } }[] {
  if (typeof data !== 'object' || data === null) return [];
  return Object.entries(data as Record<string, unknown>).flatMap(([key, value]) => {
    const lines = linesOf(key, value, money);
    return lines.length ? [{ key: { text: labelOf(key) }, value: { html: lines.map(escapeHtml).join('<br>') } }] : [];
  });
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
