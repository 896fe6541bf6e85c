import { invalidParameter } from '../../errors.js';

/**
 * Typed reads of multipart text fields. Clients spell list fields `name[]` (the openai packages) or
 * repeat `name`; both are read.
 */
export class FormFields {
  constructor(private readonly fields: Map<string, string[]>) {}

  string(name: string): string | undefined {
    const values = this.fields.get(name);
    if (values === undefined) return undefined;
    if (values.length > 1) throw invalidParameter('a single value', name, values);
    return values[0];
  }

  /** A non-empty value; an empty field counts as absent, as web forms send unset fields. */
  text(name: string): string | undefined {
    const value = this.string(name);
    return value === '' ? undefined : value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.text(name);
    if (value !== undefined && !(allowed as readonly string[]).includes(value)) throw invalidParameter(`one of ${allowed.join(', ')}`, name, value);
    return value as T | undefined;
  }

  number(name: string, min: number, max: number): number | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isFinite(number) || number < min || number > max) throw invalidParameter(`number between ${min} and ${max}`, name, value);
    return number;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.number(name, min, max);
    if (value !== undefined && !Number.isInteger(value)) throw invalidParameter(`integer between ${min} and ${max}`, name, this.text(name));
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw invalidParameter('true or false', name, value);
    return value === 'true';
  }

  /** Every value of `name[]` and `name`, each one checked against `allowed`. */
  list<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const values = [...(this.fields.get(`${name}[]`) ?? []), ...(this.fields.get(name) ?? [])];
    if (values.length === 0) return undefined;
    for (const value of values) {
      if (!(allowed as readonly string[]).includes(value)) throw invalidParameter(`one of ${allowed.join(', ')}`, `${name}[]`, value);
    }
    return values as T[];
  }

  /** Fields sent as `name[key]` (how the openai packages send an object), as an object. */
  object(name: string): Record<string, string> | undefined {
    const prefix = `${name}[`;
    const entries = [...this.fields].filter(([key]) => key.startsWith(prefix) && key.endsWith(']'));
    if (entries.length === 0) return undefined;
    return Object.fromEntries(entries.map(([key, values]) => [key.slice(prefix.length, -1), values.at(-1) ?? '']));
  }
}
