// Disjunctive Chaum–Pedersen range proof (docs/spec/crypto.md §5.2), mirroring
// tally/proofs/range_proof.py.
//
// Statement: (alpha, beta) under K encrypts some j with lo <= j <= hi, bound to h_E. One
// challenge c_j and one response v_j per j. The verifier recomputes, for j = lo … hi,
//   a_j = v_j·G − c_j·alpha,   b_j = v_j·K − c_j·(beta − j·G)
// and accepts iff  Σ c_j = H("rendavote/v1/range", h_E, K, alpha, beta, lo, hi,
// a_lo, b_lo, …, a_hi, b_hi)  (mod L).

import { InvalidProof } from './errors.js';
import { G, gPow, L, randomScalar, Scalar } from './group.js';
import { hashToScalar, TAG_RANGE } from './hashing.js';
import { getObject, scalarList } from './json_fields.js';

/** Most branches (hi − lo + 1) a proof may have; bounds the work an input can demand. */
export const MAX_RANGE_WIDTH = 4096;

const ZERO = new Scalar(0n);

/** Challenges c_lo … c_hi and responses v_lo … v_hi (same length, hi − lo + 1). */
export class RangeProof {
  constructor(challenges, responses) {
    this.challenges = Object.freeze([...challenges]);
    this.responses = Object.freeze([...responses]);
    Object.freeze(this);
  }

  toJson() {
    return {
      challenges: this.challenges.map((c) => c.hex()),
      responses: this.responses.map((v) => v.hex()),
    };
  }

  /** Parse; every scalar must be reduced. `length` (hi − lo + 1), when given, is enforced. */
  static fromJson(obj, length = null) {
    const fields = getObject(obj, ['challenges', 'responses'], 'range proof');
    const challenges = scalarList(fields.challenges, 'range_proof.challenges', length);
    const responses = scalarList(fields.responses, 'range_proof.responses', challenges.length);
    return new RangeProof(challenges, responses);
  }
}

function checkBounds(lo, hi) {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || !(lo >= 0 && lo <= hi)) {
    throw new RangeError('range bounds need 0 <= lo <= hi');
  }
  if (hi - lo + 1 > MAX_RANGE_WIDTH) {
    throw new RangeError(`a range proof has at most ${MAX_RANGE_WIDTH} branches`);
  }
}

// `context` is a Uint8Array hashed as a bytes item: for ballots, h_C ‖ kind ‖ u32be(index).
const statement = (electionHash, context, publicKey, ciphertext, lo, hi) =>
  [electionHash, context, publicKey, ciphertext.alpha, ciphertext.beta, lo, hi];

/**
 * Prove that `ciphertext` = (r·G, m·G + r·K) encrypts a value in [lo, hi].
 * Randomness, drawn in order j = lo … hi: for j ≠ m, c_j then v_j; for j = m, u.
 */
export function proveRange(electionHash, context, publicKey, ciphertext, m, r, lo, hi, rng) {
  checkBounds(lo, hi);
  if (!Number.isSafeInteger(m) || m < lo || m > hi) {
    throw new RangeError('the encrypted value is outside [lo, hi]: no proof exists');
  }
  const { alpha, beta } = ciphertext;
  const commitments = [];
  const challenges = [];
  const responses = [];
  let u = ZERO;
  let betaJ = lo ? beta.sub(gPow(lo)) : beta; // beta − j·G, advanced by one G per branch
  for (let j = lo; j <= hi; j++) {
    if (j > lo) betaJ = betaJ.sub(G);
    if (j === m) {
      u = randomScalar(rng);
      commitments.push(G.mul(u), publicKey.mul(u));
      challenges.push(ZERO);
      responses.push(ZERO);
    } else {
      // c_j and v_j become public, but which branch is real must not show: the same
      // constant-time multiplication as the real branch.
      const cJ = randomScalar(rng);
      const vJ = randomScalar(rng);
      commitments.push(G.mul(vJ).sub(alpha.mul(cJ)), publicKey.mul(vJ).sub(betaJ.mul(cJ)));
      challenges.push(cJ);
      responses.push(vJ);
    }
  }
  const c = hashToScalar(
    TAG_RANGE, ...statement(electionHash, context, publicKey, ciphertext, lo, hi), ...commitments,
  );
  let cM = c;
  for (const cJ of challenges) cM = cM.sub(cJ);
  challenges[m - lo] = cM;
  responses[m - lo] = u.add(cM.mul(r));
  return new RangeProof(challenges, responses);
}

/**
 * Check that `proof` shows `ciphertext` encrypts a value in [lo, hi] under `publicKey`;
 * throw InvalidProof if not.
 */
export function verifyRange(electionHash, context, publicKey, ciphertext, lo, hi, proof) {
  checkBounds(lo, hi);
  const width = hi - lo + 1;
  if (proof.challenges.length !== width || proof.responses.length !== width) {
    throw new InvalidProof(`range proof for [${lo}, ${hi}] needs ${width} challenges and responses`);
  }
  const { alpha, beta } = ciphertext;
  const commitments = [];
  let betaJ = lo ? beta.sub(gPow(lo)) : beta;
  let sum = 0n;
  for (let j = 0; j < width; j++) {
    if (j) betaJ = betaJ.sub(G);
    const cJ = proof.challenges[j];
    const vJ = proof.responses[j];
    commitments.push(
      G.mulPublic(vJ).sub(alpha.mulPublic(cJ)),
      publicKey.mulPublic(vJ).sub(betaJ.mulPublic(cJ)),
    );
    sum += cJ.value;
  }
  const c = hashToScalar(
    TAG_RANGE, ...statement(electionHash, context, publicKey, ciphertext, lo, hi), ...commitments,
  );
  if (c.value !== sum % L) throw new InvalidProof('range proof does not verify');
}
