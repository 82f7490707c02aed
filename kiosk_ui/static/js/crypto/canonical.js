// Canonical JSON (RFC 8785, JCS), mirroring tally/canonical.py: one byte string per JSON
// value, so hashes over a document match the Python side byte for byte.
//
// Strings and numbers serialise as ECMAScript's JSON.stringify does (which is what RFC 8785
// specifies); object keys sort by UTF-16 code units (JavaScript's default string order).

import { sha256 } from '../../vendor/noble/hashes/sha2.js';
import { isWellFormed, toHex, utf8 } from './bytes.js';

/** The value has no canonical JSON form. */
export class CanonicalJsonError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

function serialise(value) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') {
    if (!isWellFormed(value)) throw new CanonicalJsonError('string has a lone surrogate');
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new CanonicalJsonError(`non-finite number ${value} has no JSON form`);
    }
    // Every number is an IEEE double, as RFC 8785 reads JSON. (Python refuses an *int*
    // beyond ±(2^53 − 1); JSON.parse has already rounded such a literal to a double.)
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return '[' + value.map(serialise).join(',') + ']';
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const keys = Object.keys(value).sort();
    return '{' + keys.map((k) => {
      if (!isWellFormed(k)) throw new CanonicalJsonError('key has a lone surrogate');
      return JSON.stringify(k) + ':' + serialise(value[k]);
    }).join(',') + '}';
  }
  throw new CanonicalJsonError(`a ${typeof value} has no JSON form`);
}

/** The RFC 8785 serialisation of `value` as a string. */
export function canonicalJsonText(value) {
  return serialise(value);
}

/** The RFC 8785 serialisation of `value` as UTF-8 bytes. */
export function canonicalJson(value) {
  return utf8(serialise(value));
}

/** SHA-256 of the canonical JSON of `value` (32 bytes). */
export function sha256Canonical(value) {
  return sha256(canonicalJson(value));
}

/** Lowercase hex SHA-256 of the canonical JSON of `value`. */
export function sha256Hex(value) {
  return toHex(sha256Canonical(value));
}
