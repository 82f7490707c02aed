// Fiat–Shamir hashing into scalars (docs/spec/crypto.md §3), mirroring tally/hashing.py.
//
// hashToScalar(tag, ...parts) = SHA-512(encodeParts(tag, ...parts)) read little-endian,
// mod L. Each item is  type (1 byte) ‖ length (4 bytes, big-endian) ‖ payload,  the tag
// first as a str item. JavaScript values map to the Python part types as:
//   Uint8Array → bytes, Point → point, Scalar → scalar,
//   non-negative safe integer or bigint < 2^64 → int (8 bytes big-endian), string → str.

import { sha512 } from '../../vendor/noble/hashes/sha2.js';
import { bigintToBytesBE, bytesToBigintLE, concatBytes, utf8 } from './bytes.js';
import { L, Point, Scalar } from './group.js';

export const TYPE_BYTES = 0x01;
export const TYPE_POINT = 0x02;
export const TYPE_SCALAR = 0x03;
export const TYPE_INT = 0x04;
export const TYPE_STR = 0x05;

export const TAG_RANGE = 'rendavote/v1/range';
export const TAG_SCHNORR = 'rendavote/v1/schnorr';
export const TAG_DECRYPTION = 'rendavote/v1/decryption';

const TAG_PREFIX = 'rendavote/v1/';

function item(kind, payload) {
  const head = new Uint8Array(5);
  head[0] = kind;
  new DataView(head.buffer).setUint32(1, payload.length, false);
  return concatBytes(head, payload);
}

function encode(part) {
  if (part instanceof Uint8Array) return item(TYPE_BYTES, part);
  if (part instanceof Point) return item(TYPE_POINT, part.toBytes());
  if (part instanceof Scalar) return item(TYPE_SCALAR, part.toBytes());
  if (typeof part === 'number' || typeof part === 'bigint') {
    if (typeof part === 'number' && !Number.isSafeInteger(part)) {
      throw new TypeError('an int hash part must be an integer');
    }
    const value = BigInt(part);
    if (value < 0n || value >= 2n ** 64n) {
      throw new RangeError('an int hash part must fit in 64 bits unsigned');
    }
    return item(TYPE_INT, bigintToBytesBE(value, 8));
  }
  if (typeof part === 'string') return item(TYPE_STR, utf8(part));
  throw new TypeError(`cannot hash a ${typeof part}`);
}

/** The exact byte string that hashToScalar feeds to SHA-512. */
export function encodeParts(tag, ...parts) {
  if (typeof tag !== 'string' || !tag.startsWith(TAG_PREFIX)) {
    throw new RangeError(`hash tags start with '${TAG_PREFIX}'`);
  }
  return concatBytes(encode(tag), ...parts.map(encode));
}

/** H(tag, parts…) = SHA-512(encodeParts(tag, parts…)) as little-endian integer, mod L. */
export function hashToScalar(tag, ...parts) {
  return new Scalar(bytesToBigintLE(sha512(encodeParts(tag, ...parts))) % L);
}
