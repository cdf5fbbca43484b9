/**
 * Field access that treats every field name as data. A document is a plain JavaScript object, and
 * names such as `__proto__`, `constructor` or `toString` are also the names of properties every
 * object inherits from `Object.prototype`; MongoDB gives them no meaning. Reading through these
 * helpers sees only the document's own fields, and writing never reaches a prototype (assigning
 * `__proto__` would replace the object's prototype instead of storing a field).
 */

/** The document's own field `name`, or undefined when it has none. */
export function getField(doc: object, name: string): unknown {
  return Object.hasOwn(doc, name) ? (doc as Record<string, unknown>)[name] : undefined;
}

/** True when the document has an own field `name`. */
export function hasField(doc: object, name: string): boolean {
  return Object.hasOwn(doc, name);
}

/** Stores `value` as the document's own field `name` (also when `name` is `__proto__`). */
export function setField(doc: object, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(doc, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    (doc as Record<string, unknown>)[name] = value;
  }
}

/** Removes the document's own field `name`, if it has one. */
export function deleteField(doc: object, name: string): void {
  if (Object.hasOwn(doc, name)) delete (doc as Record<string, unknown>)[name];
}
