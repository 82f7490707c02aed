// Exponential ElGamal over <G> (docs/spec/crypto.md §4), mirroring tally/elgamal.py.
// A count m under the joint public key K with nonce r is (alpha, beta) = (r·G, m·G + r·K).

import { getObject, getPoint } from './json_fields.js';
import { G, gPow, IDENTITY } from './group.js';

/** An exponential ElGamal ciphertext (alpha, beta). */
export class Ciphertext {
  /**
   * @param {import('./group.js').Point} alpha  r·G (spec symbol α)
   * @param {import('./group.js').Point} beta   m·G + r·K (spec symbol β)
   */
  constructor(alpha, beta) {
    this.alpha = alpha;
    this.beta = beta;
    Object.freeze(this);
  }

  /** Homomorphic sum: encrypts the sum of the counts. */
  add(other) {
    return new Ciphertext(this.alpha.add(other.alpha), this.beta.add(other.beta));
  }

  toJson() {
    return { alpha: this.alpha.hex(), beta: this.beta.hex() };
  }

  /**
   * Parse and validate both points. `allowIdentity` is for aggregates only; a ballot's
   * ciphertext never contains O.
   */
  static fromJson(obj, { allowIdentity = false } = {}) {
    const fields = getObject(obj, ['alpha', 'beta'], 'ciphertext');
    return new Ciphertext(
      getPoint(fields.alpha, 'ciphertext.alpha', allowIdentity),
      getPoint(fields.beta, 'ciphertext.beta', allowIdentity),
    );
  }
}

/** (O, O): the neutral element of ciphertext addition. */
export const IDENTITY_CIPHERTEXT = new Ciphertext(IDENTITY, IDENTITY);

/** (r·G, m·G + r·K): encrypt the count m under public key K with the secret nonce r. */
export function encrypt(m, publicKey, r) {
  return new Ciphertext(G.mul(r), gPow(m).add(publicKey.mul(r)));
}
