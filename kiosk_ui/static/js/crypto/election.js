// The election context a ballot is bound to (docs/spec/crypto.md §6.2), mirroring
// tally/election.py: h_E = SHA-256(JCS({"manifest_hash": hex(h_M), "ceremony_hash": hex(h_C),
// "public_key": hex(K)})). Every Fiat–Shamir challenge of a ballot hashes h_E.

import { equalBytes, parseHex, toHex } from './bytes.js';
import { sha256Canonical } from './canonical.js';
import { InvalidEncoding } from './errors.js';
import { Point } from './group.js';
import { getObject } from './json_fields.js';
import { Manifest } from './manifest.js';

/** A manifest, the joint public key K and the election hash h_E that binds them. */
export class ElectionContext {
  /**
   * @param {Manifest} manifest
   * @param {Point} publicKey     K (spec symbol K)
   * @param {Uint8Array} electionHash  h_E (spec symbol h_E), 32 bytes
   */
  constructor(manifest, publicKey, electionHash) {
    if (!(manifest instanceof Manifest)) throw new TypeError('expected a Manifest');
    if (!(publicKey instanceof Point) || publicKey.isIdentity()) {
      throw new TypeError('the public key is a Point other than the identity');
    }
    if (!(electionHash instanceof Uint8Array) || electionHash.length !== 32) {
      throw new TypeError('electionHash is 32 bytes');
    }
    this.manifest = manifest;
    this.publicKey = publicKey;
    this.electionHash = Uint8Array.from(electionHash);
    Object.freeze(this);
  }
}

/** h_E from h_M, h_C (32 bytes each) and K. */
export function computeElectionHash(manifestHash, ceremonyHash, publicKey) {
  return sha256Canonical({
    manifest_hash: toHex(manifestHash),
    ceremony_hash: toHex(ceremonyHash),
    public_key: publicKey.hex(),
  });
}

/**
 * The context of a vote as the server publishes it: {manifest, ceremony_hash, public_key}
 * (JSON, untrusted), plus election_hash when the caller wants it checked against the
 * recomputed h_E. A mismatch throws InvalidEncoding: the tablet must not encrypt for an
 * election it cannot recompute. K gets a window table (see Point.precompute).
 */
export function makeContext(obj) {
  const keys = Object.hasOwn(obj ?? {}, 'election_hash')
    ? ['manifest', 'ceremony_hash', 'public_key', 'election_hash']
    : ['manifest', 'ceremony_hash', 'public_key'];
  const fields = getObject(obj, keys, 'election context');
  const manifest = Manifest.fromJson(fields.manifest);
  const publicKey = Point.fromHex(fields.public_key);
  const ceremonyHash = parseHex(fields.ceremony_hash, 32);
  const electionHash = computeElectionHash(manifest.manifestHash(), ceremonyHash, publicKey);
  if (fields.election_hash !== undefined
      && !equalBytes(parseHex(fields.election_hash, 32), electionHash)) {
    throw new InvalidEncoding('election_hash does not match manifest, ceremony and key');
  }
  return new ElectionContext(manifest, publicKey.precompute(), electionHash);
}
