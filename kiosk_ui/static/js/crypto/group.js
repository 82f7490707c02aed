// The prime-order subgroup of Ed25519 (docs/spec/crypto.md §2), mirroring tally/group.py.
//
// `L` is the group order, `G` the RFC 8032 base point, `Scalar` an integer modulo L,
// `Point` an element of the order-L subgroup. Points go through @noble/curves; encodings
// are RFC 8032 and byte-identical to libsodium's.
//
// Secret scalars (nonces) are multiplied with noble's constant-time `multiply`; `mulPublic`
// is the faster variable-time path for verification, where every input is public. Scalar
// arithmetic uses BigInt, which JavaScript does not promise to run in constant time.

import { ed25519 } from '../../vendor/noble/curves/ed25519.js';
import {
  bigintToBytesLE, bytesToBigintLE, equalBytes, parseHex, toHex,
} from './bytes.js';
import { InvalidEncoding } from './errors.js';

const NoblePoint = ed25519.Point;

/** Order of the prime-order subgroup <G> (spec symbol L). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** The field prime p of edwards25519; canonical encodings have y < p. */
export const P_FIELD = 2n ** 255n - 19n;

const Y_MASK = (1n << 255n) - 1n;
const IDENTITY_ENC = Uint8Array.from([1, ...new Array(31).fill(0)]);
const INTERNAL = Symbol('internal');

const mod = (a) => {
  const r = a % L;
  return r < 0n ? r + L : r;
};

/** An integer modulo L, 0 <= value < L; encoded as 32 bytes little-endian. */
export class Scalar {
  /** @param {bigint} value  0 <= value < L */
  constructor(value) {
    if (typeof value !== 'bigint' || value < 0n || value >= L) {
      throw new RangeError('a Scalar needs a bigint with 0 <= value < L');
    }
    this.value = value;
    Object.freeze(this);
  }

  /** The scalar `value mod L` for any bigint. */
  static reduce(value) {
    return new Scalar(mod(BigInt(value)));
  }

  /** Decode 32 bytes little-endian; untrusted input, so a value >= L is refused. */
  static fromBytes(data) {
    if (!(data instanceof Uint8Array) || data.length !== 32) {
      throw new InvalidEncoding('a scalar is 32 bytes');
    }
    const value = bytesToBigintLE(data);
    if (value >= L) throw new InvalidEncoding('scalar is not reduced (value >= L)');
    return new Scalar(value);
  }

  /** Decode 64 lowercase hex digits (see fromBytes). */
  static fromHex(text) {
    return Scalar.fromBytes(parseHex(text, 32));
  }

  toBytes() {
    return bigintToBytesLE(this.value, 32);
  }

  hex() {
    return toHex(this.toBytes());
  }

  add(other) {
    return new Scalar(mod(this.value + asScalar(other).value));
  }

  sub(other) {
    return new Scalar(mod(this.value - asScalar(other).value));
  }

  mul(other) {
    return new Scalar(mod(this.value * asScalar(other).value));
  }

  neg() {
    return new Scalar(mod(-this.value));
  }

  equals(other) {
    return other instanceof Scalar && other.value === this.value;
  }

  // Scalars are often secret: keep them out of logs and string conversions.
  toString() {
    return 'Scalar(<hidden>)';
  }

  toJSON() {
    throw new TypeError('serialise a Scalar explicitly with .hex()');
  }
}

function asScalar(value) {
  if (!(value instanceof Scalar)) throw new TypeError('expected a Scalar');
  return value;
}

/**
 * An element of <G>, wrapping a noble point and its 32-byte RFC 8032 encoding. Build one
 * from untrusted bytes with Point.fromBytes / Point.fromHex (which validate), or by
 * arithmetic on points; the constructor is internal.
 */
export class Point {
  #ep;
  #enc;

  constructor(token, ep, enc = null) {
    if (token !== INTERNAL) {
      throw new TypeError('use Point.fromBytes / Point.fromHex, or arithmetic on points');
    }
    this.#ep = ep;
    this.#enc = enc;
    Object.freeze(this);
  }

  /**
   * Decode an untrusted encoding: 32 bytes, canonical (y < p), on the curve, in the
   * prime-order subgroup (no torsion component), and not the identity.
   */
  static fromBytes(data) {
    if (!(data instanceof Uint8Array) || data.length !== 32) {
      throw new InvalidEncoding('a point is 32 bytes');
    }
    if ((bytesToBigintLE(data) & Y_MASK) >= P_FIELD) {
      throw new InvalidEncoding('non-canonical point encoding (y >= p)');
    }
    let ep;
    try {
      // zip215 = false: RFC 8032 decoding, which also refuses x = 0 with the sign bit set.
      ep = NoblePoint.fromBytes(data, false);
    } catch {
      throw new InvalidEncoding('not a point on edwards25519');
    }
    if (ep.isSmallOrder()) {
      throw new InvalidEncoding('small-order point (identity or torsion point)');
    }
    if (!ep.isTorsionFree()) {
      throw new InvalidEncoding('point has a torsion component (not in the prime-order subgroup)');
    }
    return new Point(INTERNAL, ep, Uint8Array.from(data));
  }

  /** Decode 64 lowercase hex digits (see fromBytes). */
  static fromHex(text) {
    return Point.fromBytes(parseHex(text, 32));
  }

  /** As fromBytes, but also accept the canonical identity encoding 01 00…00. */
  static fromBytesOrIdentity(data) {
    if (data instanceof Uint8Array && equalBytes(data, IDENTITY_ENC)) return IDENTITY;
    return Point.fromBytes(data);
  }

  /** Hex form of fromBytesOrIdentity. */
  static fromHexOrIdentity(text) {
    return Point.fromBytesOrIdentity(parseHex(text, 32));
  }

  /** The 32-byte RFC 8032 encoding (a fresh copy). */
  toBytes() {
    return Uint8Array.from(this.#encoding());
  }

  hex() {
    return toHex(this.#encoding());
  }

  isIdentity() {
    return this.#ep.is0();
  }

  equals(other) {
    return other instanceof Point && this.#ep.equals(other.#ep);
  }

  add(other) {
    return new Point(INTERNAL, this.#ep.add(asPoint(other).#ep));
  }

  sub(other) {
    return new Point(INTERNAL, this.#ep.subtract(asPoint(other).#ep));
  }

  neg() {
    return new Point(INTERNAL, this.#ep.negate());
  }

  /** scalar·P in constant time (for secret scalars); 0·P = s·O = O. */
  mul(scalar) {
    const s = asScalar(scalar).value;
    if (s === 0n || this.#ep.is0()) return IDENTITY;
    return new Point(INTERNAL, this.#ep.multiply(s));
  }

  /** scalar·P in variable time: only for public scalars and points (verification). */
  mulPublic(scalar) {
    const s = asScalar(scalar).value;
    if (s === 0n || this.#ep.is0()) return IDENTITY;
    return new Point(INTERNAL, this.#ep.multiplyUnsafe(s));
  }

  /**
   * Build a window table for this point so later multiplications by it are ~6x faster;
   * worth it for the joint public key K, which every ballot multiplies ~100 times.
   */
  precompute(windowSize = 8) {
    this.#ep.precompute(windowSize, false);
    return this;
  }

  #encoding() {
    if (this.#enc === null) {
      // The wrapper is frozen; the encoding is a cache, so it lives in the private field.
      this.#enc = this.#ep.toBytes();
    }
    return this.#enc;
  }

  toString() {
    return `Point(${this.hex()})`;
  }
}

function asPoint(value) {
  if (!(value instanceof Point)) throw new TypeError('expected a Point');
  return value;
}

/** The neutral element O (internal use; never accepted by Point.fromBytes). */
export const IDENTITY = new Point(INTERNAL, NoblePoint.ZERO, IDENTITY_ENC);

/** The RFC 8032 base point (spec symbol G). noble keeps a window table for it. */
export const G = new Point(INTERNAL, NoblePoint.BASE);

/** A uniform scalar: 64 bytes from `rng` read little-endian, reduced mod L. */
export function randomScalar(rng) {
  const data = rng(64);
  if (!(data instanceof Uint8Array) || data.length !== 64) {
    throw new TypeError('rng(64) must return 64 bytes');
  }
  return new Scalar(bytesToBigintLE(data) % L);
}

/** m·G for 0 <= m < L (0·G = O); m is public (a count). */
export function gPow(m) {
  const value = typeof m === 'bigint' ? m : Number.isSafeInteger(m) ? BigInt(m) : -1n;
  if (value < 0n || value >= L) throw new RangeError('gPow needs an integer with 0 <= m < L');
  return G.mulPublic(new Scalar(value));
}
