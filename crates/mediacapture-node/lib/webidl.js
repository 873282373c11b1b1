'use strict';
// WebIDL conversions of JavaScript values, before they cross to the native side.

/**
 * A JavaScript value as JSON text, for a dictionary that the Rust side converts.
 *
 * The dictionaries' own conversion (member types, [Clamp], enums, TypeErrors naming the
 * member) is done by the Rust side from JSON with JavaScript's rules; this step only makes a
 * JavaScript value representable as JSON without changing what WebIDL would see:
 * - dictionary members are read with [[Get]], so inherited and getter-defined members count
 *   (not just own enumerable ones as JSON.stringify would); undefined members are absent;
 * - NaN and ±Infinity become the strings "NaN" / "Infinity" / "-Infinity", which ToNumber
 *   turns back into the same values (so `double` members still reject them with TypeError);
 * - iterable objects (Set, generators) become arrays, as sequence conversion iterates them;
 * - cycles are cut (a browser would only follow the members it knows).
 * Known gap: ToBoolean("NaN") is true where ToBoolean(NaN) is false.
 */
function toIdlJson(value, skipTopLevel) {
  const seen = new Set();
  function conv(v, depth) {
    switch (typeof v) {
      case 'undefined':
        return undefined;
      case 'boolean':
      case 'string':
        return v;
      case 'number':
        if (Number.isNaN(v)) return 'NaN';
        if (v === Infinity) return 'Infinity';
        if (v === -Infinity) return '-Infinity';
        return v;
      case 'bigint':
        return String(v);
      case 'symbol':
        throw new TypeError('Cannot convert a Symbol value to a string');
      case 'function':
        // No dictionary member of these specs is a function (JSON drops them too).
        return depth === 0 ? {} : undefined;
      default:
        break;
    }
    if (v === null) return null;
    if (v instanceof String || v instanceof Number || v instanceof Boolean) return conv(v.valueOf(), depth);
    if (seen.has(v) || depth > 64) return null;
    seen.add(v);
    try {
      if (Array.isArray(v) || (typeof v[Symbol.iterator] === 'function' && typeof v !== 'function')) {
        return Array.from(v, (x) => {
          const c = conv(x, depth + 1);
          return c === undefined ? null : c;
        });
      }
      const out = {};
      for (const key of allKeys(v)) {
        if (depth === 0 && skipTopLevel && skipTopLevel.includes(key)) continue;
        const c = conv(v[key], depth + 1);
        if (c !== undefined) out[key] = c;
      }
      return out;
    } finally {
      seen.delete(v);
    }
  }
  const r = conv(value, 0);
  return JSON.stringify(r === undefined ? {} : r);
}

const builtinProtos = new Set([Object.prototype, Function.prototype, Array.prototype]);

function allKeys(obj) {
  const keys = new Set();
  // Up the prototype chain to, not including, Object.prototype, Array.prototype or
  // Function.prototype of this realm or of another one (a DOM window's objects come from its
  // realm: a prototype with no prototype of its own is some realm's Object.prototype).
  const isRealmObjectPrototype = (o) => o !== obj && Object.getPrototypeOf(o) === null;
  for (let o = obj; o !== null && !builtinProtos.has(o) && !isRealmObjectPrototype(o); o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (k !== 'constructor' && k !== '__proto__') keys.add(k);
    }
  }
  return keys;
}

/** WebIDL `DOMString`. */
function idlString(v) {
  if (typeof v === 'symbol') throw new TypeError('Cannot convert a Symbol value to a string');
  return String(v);
}

/** WebIDL `unsigned long` (no [Clamp] / [EnforceRange]): ToNumber, truncate, modulo 2^32. */
function idlUnsignedLong(v) {
  const n = Number(v);
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n) % 2 ** 32;
  return t < 0 ? t + 2 ** 32 : t;
}

/** WebIDL `long` (no [EnforceRange]): ToInt32. */
function idlLong(v) {
  return Number(v) | 0;
}

/** WebIDL `double`: a finite number, else TypeError. */
function idlDouble(v, what) {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`${what} is not a finite floating-point value.`);
  return n;
}

/**
 * Shapes a class as WebIDL shapes an interface: its operations and attributes (own
 * string-keyed properties of the prototype and of the class itself, i.e. static operations)
 * become enumerable, as WebIDL defines them (`enumerable: true`; a class body makes them
 * non-enumerable), and `Object.prototype.toString` gives "[object Name]" (@@toStringTag on the
 * prototype). `hidden` names nonstandard members left non-enumerable (overrides of inherited
 * methods, extensions of this package).
 */
function webidlInterface(cls, hidden = []) {
  for (const target of [cls.prototype, cls]) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (['constructor', 'prototype', 'length', 'name'].includes(key) || hidden.includes(key)) continue;
      const d = Object.getOwnPropertyDescriptor(target, key);
      if (!d.enumerable) Object.defineProperty(target, key, { ...d, enumerable: true });
    }
  }
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
}

/** The property `name` of `proto` or of its nearest prototype that has one (a descriptor). */
function findMember(proto, name) {
  for (let o = proto; o !== null; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return d;
  }
  return undefined;
}

module.exports = { webidlInterface, findMember, toIdlJson, idlString, idlUnsignedLong, idlLong, idlDouble };
