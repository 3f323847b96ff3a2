/** Small helpers for the values `JSON.parse` returns, shared by the JSON formats. */

/** A JSON object (not `null`, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An object with no prototype, so a field named `__proto__` is kept like any other. */
export function emptyObject<T = unknown>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Whether `object` has no members; allocates nothing, unlike `Object.keys`. */
export function isEmptyObject(object: Record<string, unknown>): boolean {
  for (const _ in object) return false;
  return true;
}

/** The value at `path` in `value` (each step an object member), or `undefined`. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

/** A scalar as a string column's value (`tostring`); `undefined` for an object, an array or `null`. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
