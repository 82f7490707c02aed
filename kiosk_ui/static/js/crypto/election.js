// The election context a ballot is bound to (docs/spec/crypto.md §6.2), mirroring
// tally/election.py: h_E = SHA-256(JCS({"manifest_hash": hex(h_M), "ceremony_hash": hex(h_C),
// "public_key": hex(K)})). Every Fiat–Shamir challenge of a ballot hashes h_E.

import { equalBytes, toHex } from './bytes.js';
import { sha256Canonical } from './canonical.js';
import { InvalidEncoding } from './errors.js';
import { Point } from './group.js';
import { getBytes, getPoint } from './json_fields.js';
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
 * The context of a vote from JSON (untrusted): `manifest` and `public_key`, plus
 *  - `ceremony_hash`: h_E is recomputed, and checked against `election_hash` if present
 *    (a mismatch throws InvalidEncoding: never encrypt for an election one cannot recompute);
 *  - or only `election_hash` (as the kiosk's /election answer gives it): h_E is taken as
 *    given, like tally.audit does. A wrong h_E cannot leak a vote, only make the ballot box
 *    refuse the ballot; the key K is what the tablet must trust either way.
 * Other keys (vote, state, candidates…) are ignored. K gets a window table (Point.precompute).
 */
export function makeContext(obj) {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new InvalidEncoding('election context: expected a JSON object');
  }
  const has = (key) => Object.hasOwn(obj, key);
  if (!has('manifest') || !has('public_key') || !(has('ceremony_hash') || has('election_hash'))) {
    throw new InvalidEncoding(
      'election context: needs manifest, public_key and ceremony_hash or election_hash',
    );
  }
  const manifest = Manifest.fromJson(obj.manifest);
  const publicKey = getPoint(obj.public_key, 'public_key');
  const given = has('election_hash') ? getBytes(obj.election_hash, 32, 'election_hash') : null;
  let electionHash = given;
  if (has('ceremony_hash')) {
    const ceremonyHash = getBytes(obj.ceremony_hash, 32, 'ceremony_hash');
    electionHash = computeElectionHash(manifest.manifestHash(), ceremonyHash, publicKey);
    if (given !== null && !equalBytes(given, electionHash)) {
      throw new InvalidEncoding('election_hash does not match manifest, ceremony and key');
    }
  }
  return new ElectionContext(manifest, publicKey.precompute(), electionHash);
}
