// Byte helpers shared by the crypto modules: strict hex, integers <-> bytes, UTF-8.

import { InvalidEncoding } from './errors.js';

const HEX = /^[0-9a-f]*$/;
const encoder = new TextEncoder();

/** Lowercase hex of `bytes`. */
export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Exactly `nbytes` bytes from lowercase hex; InvalidEncoding otherwise (as group.parse_hex:
 * upper case or whitespace would be a second spelling of the same value).
 */
export function parseHex(text, nbytes) {
  if (typeof text !== 'string' || text.length !== 2 * nbytes || !HEX.test(text)) {
    throw new InvalidEncoding(`expected ${2 * nbytes} lowercase hex digits`);
  }
  return fromHex(text);
}

/** Bytes of trusted even-length lowercase hex (no validation of length). */
export function fromHex(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !HEX.test(text)) {
    throw new InvalidEncoding('expected lowercase hex digits');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `bytes` read as an unsigned little-endian integer. */
export function bytesToBigintLE(bytes) {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** `value` (0 <= value < 2^(8n)) as `n` bytes little-endian. */
export function bigintToBytesLE(value, n) {
  const out = new Uint8Array(n);
  let v = value;
  for (let i = 0; i < n; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n || value < 0n) throw new RangeError(`value does not fit in ${n} bytes`);
  return out;
}

/** `value` (0 <= value < 2^(8n)) as `n` bytes big-endian. */
export function bigintToBytesBE(value, n) {
  return bigintToBytesLE(value, n).reverse();
}

/** Concatenation of byte arrays. */
export function concatBytes(...parts) {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Equal lengths and bytes (not constant-time: for public values). */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** UTF-8 bytes of `text`; a lone surrogate has no UTF-8 form and is refused. */
export function utf8(text) {
  if (!isWellFormed(text)) throw new TypeError('string has a lone surrogate');
  return encoder.encode(text);
}

/** False when `text` holds a lone UTF-16 surrogate. */
export function isWellFormed(text) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}
