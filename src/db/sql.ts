/**
 * Identifier quoting for the few SQL parts composed at run time. Names only ever come from layer
 * descriptors (code), never from a request; the check below makes a mistake loud instead of exploitable.
 */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`);
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}

/** Collects bound values and hands out their $n placeholders, so composed SQL never inlines a value. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
