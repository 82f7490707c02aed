// Strict readers for untrusted JSON (docs/spec/crypto.md §10), mirroring tally/json_fields.py:
// objects with exactly the expected keys, integers in range, lowercase fixed-length hex.
// Anything else raises InvalidEncoding, so a value has one spelling only.
//
// One difference JavaScript cannot avoid: JSON.parse turns 1.0 into 1, so an integral float
// that Python refuses is read here as the integer (the canonical form is the same).

import { parseHex } from './bytes.js';
import { InvalidEncoding } from './errors.js';
import { Point, Scalar } from './group.js';

const isPlainObject = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
  && Object.getPrototypeOf(v) === Object.prototype;

/** `value` as a JSON object with exactly the key set `keys`. */
export function getObject(value, keys, what) {
  if (!isPlainObject(value)) throw new InvalidEncoding(`${what}: expected a JSON object`);
  const have = Object.keys(value);
  const missing = keys.filter((k) => !Object.hasOwn(value, k)).sort();
  const extra = have.filter((k) => !keys.includes(k)).sort();
  if (missing.length || extra.length) {
    throw new InvalidEncoding(
      `${what}: wrong fields (missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)})`,
    );
  }
  return value;
}

/** `value` as a JSON array, of exactly `length` items when given. */
export function getList(value, what, length = null) {
  if (!Array.isArray(value)) throw new InvalidEncoding(`${what}: expected a JSON array`);
  if (length !== null && value.length !== length) {
    throw new InvalidEncoding(`${what}: expected ${length} items, got ${value.length}`);
  }
  return value;
}

/** `value` as an integer with lo <= value <= hi (JSON true/false are not integers). */
export function getInt(value, what, lo = 0, hi = Number.MAX_SAFE_INTEGER) {
  if (!Number.isSafeInteger(value) || value < lo || value > hi) {
    throw new InvalidEncoding(`${what}: expected an integer in [${lo}, ${hi}]`);
  }
  return value;
}

/** `value` as a string. */
export function getStr(value, what) {
  if (typeof value !== 'string') throw new InvalidEncoding(`${what}: expected a string`);
  return value;
}

function prefixed(what, fn) {
  try {
    return fn();
  } catch (exc) {
    if (exc instanceof InvalidEncoding) throw new InvalidEncoding(`${what}: ${exc.message}`);
    throw exc;
  }
}

/** `value` as exactly `nbytes` bytes in lowercase hex. */
export function getBytes(value, nbytes, what) {
  return prefixed(what, () => parseHex(value, nbytes));
}

/** `value` as a validated point (hex); the identity only when `allowIdentity`. */
export function getPoint(value, what, allowIdentity = false) {
  return prefixed(what, () =>
    allowIdentity ? Point.fromHexOrIdentity(value) : Point.fromHex(value));
}

/** `value` as a reduced scalar (hex). */
export function getScalar(value, what) {
  return prefixed(what, () => Scalar.fromHex(value));
}

/** A JSON array of reduced scalars. */
export function scalarList(value, what, length = null) {
  return getList(value, what, length).map((item, i) => getScalar(item, `${what}[${i}]`));
}

/** A JSON array of validated points. */
export function pointList(value, what, length = null) {
  return getList(value, what, length).map((item, i) => getPoint(item, `${what}[${i}]`));
}
