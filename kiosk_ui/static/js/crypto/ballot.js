// A ballot's life (docs/spec/crypto.md §8), mirroring tally/ballot.py: marked choices →
// encrypted ballot + opening → verified, or opened for a Benaloh audit.
//
// encryptBallot encrypts each selection m_i ∈ {0, 1} as (r_i·G, m_i·G + r_i·K) with a
// [0, 1] range proof, and proves for each constraint that the homomorphic sum of its
// selections encrypts a value in [min, max]. Every proof is bound to the digest h_C of all
// the ballot's ciphertexts and to its own place (spec §8.1), so a permuted or partly copied
// ballot fails. With the same rng stream it produces the same bytes as
// tally.ballot.encrypt_ballot.

import { sha256 } from '../../vendor/noble/hashes/sha2.js';
import { concatBytes, toHex, utf8 } from './bytes.js';
import { sha256Canonical } from './canonical.js';
import { Ciphertext, encrypt } from './elgamal.js';
import { InvalidBallot, InvalidChoices, InvalidProof } from './errors.js';
import { G, randomScalar, Scalar } from './group.js';
import { getBytes, getList, getObject, scalarList } from './json_fields.js';
import { MOTION_LABELS } from './manifest.js';
import { proveRange, RangeProof, verifyRange } from './range_proof.js';
import { systemRng } from './rng.js';

/** The 0/1 choices of a selection manifest with the options at indices `chosen` marked. */
export function markSelection(manifest, chosen) {
  const picked = new Set(chosen);
  if (manifest.kind !== 'selection'
      || [...picked].some((i) => !Number.isSafeInteger(i) || i < 0 || i >= manifest.selectionCount)) {
    throw new InvalidChoices('option index outside the manifest');
  }
  return Array.from({ length: manifest.selectionCount }, (_, i) => (picked.has(i) ? 1 : 0));
}

/** The choices of a rating manifest: one grade index (or null = abstain) per item. */
export function markRating(manifest, ratings) {
  if (manifest.kind !== 'rating') throw new InvalidChoices('not a rating manifest');
  const width = manifest.scale.length;
  if (ratings.length !== manifest.items.length) {
    throw new InvalidChoices(`expected ${manifest.items.length} ratings`);
  }
  const choices = new Array(manifest.selectionCount).fill(0);
  ratings.forEach((grade, item) => {
    if (grade === null || grade === undefined) return;
    if (!Number.isSafeInteger(grade) || grade < 0 || grade >= width) {
      throw new InvalidChoices(`rating of item ${item} outside the scale`);
    }
    choices[item * width + grade] = 1;
  });
  return choices;
}

/** The choices of a motion: 'yes' / 'no' / 'abstain', or null for no mark. */
export function markMotion(manifest, choice) {
  if (manifest.kind !== 'motion' || (choice !== null && !MOTION_LABELS.includes(choice))) {
    throw new InvalidChoices('a motion takes yes, no, abstain or no mark');
  }
  return MOTION_LABELS.map((label) => (label === choice ? 1 : 0));
}

/** Throw InvalidChoices unless `choices` has one 0/1 per selection and keeps every constraint. */
export function checkChoices(manifest, choices) {
  if (!Array.isArray(choices) || choices.length !== manifest.selectionCount) {
    throw new InvalidChoices(
      `expected ${manifest.selectionCount} choices, got ${Array.isArray(choices) ? choices.length : 'none'}`,
    );
  }
  if (choices.some((m) => m !== 0 && m !== 1)) throw new InvalidChoices('each choice is 0 or 1');
  manifest.constraints.forEach((constraint, index) => {
    const total = constraint.selections.reduce((sum, i) => sum + choices[i], 0);
    if (total < constraint.min || total > constraint.max) {
      throw new InvalidChoices(
        `constraint ${index}: ${total} marks, allowed ${constraint.min}..${constraint.max}`,
      );
    }
  });
}

/** One selection's ciphertext with its [0, 1] range proof. */
export class EncryptedSelection {
  constructor(ciphertext, proof) {
    this.ciphertext = ciphertext;
    this.proof = proof;
    Object.freeze(this);
  }

  toJson() {
    return { ciphertext: this.ciphertext.toJson(), proof: this.proof.toJson() };
  }

  /** Parse; points validated, scalars reduced, the proof has exactly 2 branches. */
  static fromJson(obj) {
    const fields = getObject(obj, ['ciphertext', 'proof'], 'selection');
    return new EncryptedSelection(
      Ciphertext.fromJson(fields.ciphertext), RangeProof.fromJson(fields.proof, 2),
    );
  }
}

/** What the tablet submits: h_E, the encrypted selections and the constraint proofs. */
export class EncryptedBallot {
  constructor(electionHash, selections, constraintProofs) {
    this.electionHash = Uint8Array.from(electionHash);
    this.selections = Object.freeze([...selections]);
    this.constraintProofs = Object.freeze([...constraintProofs]);
    Object.freeze(this);
  }

  /** {"election_hash": hex, "selections": [...], "constraint_proofs": [...]}, as Python. */
  toJson() {
    return {
      election_hash: toHex(this.electionHash),
      selections: this.selections.map((s) => s.toJson()),
      constraint_proofs: this.constraintProofs.map((p) => p.toJson()),
    };
  }

  /** Parse untrusted JSON; InvalidEncoding on any malformed field, point or scalar. */
  static fromJson(obj) {
    const fields = getObject(obj, ['election_hash', 'selections', 'constraint_proofs'], 'ballot');
    return new EncryptedBallot(
      getBytes(fields.election_hash, 32, 'election_hash'),
      getList(fields.selections, 'selections').map((s) => EncryptedSelection.fromJson(s)),
      getList(fields.constraint_proofs, 'constraint_proofs').map((p) => RangeProof.fromJson(p)),
    );
  }

  /** SHA-256 of the RFC 8785 canonical JSON of toJson() (spec symbol h_B), 32 bytes. */
  ballotHash() {
    return sha256Canonical(this.toJson());
  }
}

/** The nonces r_i of an encrypted ballot: they reveal the vote, so only for an audited ballot. */
export class BallotOpening {
  constructor(nonces) {
    this.nonces = Object.freeze([...nonces]);
    Object.freeze(this);
  }

  toJson() {
    return { nonces: this.nonces.map((r) => r.hex()) };
  }

  static fromJson(obj) {
    const fields = getObject(obj, ['nonces'], 'ballot opening');
    return new BallotOpening(scalarList(fields.nonces, 'nonces'));
  }
}

const DIGEST_TAG = concatBytes(utf8('rendavote/v1/ballot-ciphertexts'), new Uint8Array([0]));
export const SELECTION_PROOF = 0;
export const CONSTRAINT_PROOF = 1;

/** h_C = SHA-256("rendavote/v1/ballot-ciphertexts\0" ‖ h_E ‖ α_1 ‖ β_1 ‖ … ‖ β_N). */
export function ballotDigest(electionHash, ciphertexts) {
  const parts = [DIGEST_TAG, electionHash];
  for (const c of ciphertexts) parts.push(c.alpha.toBytes(), c.beta.toBytes());
  return sha256(concatBytes(...parts));
}

/** The context of a ballot's range proof: h_C ‖ u8(kind) ‖ u32be(index). */
export function proofContext(digest, kind, index) {
  const tail = new Uint8Array(5);
  tail[0] = kind;
  new DataView(tail.buffer).setUint32(1, index, false);
  return concatBytes(digest, tail);
}

function sumCiphertexts(selections, indices) {
  let total = selections[indices[0]].ciphertext;
  for (const i of indices.slice(1)) total = total.add(selections[i].ciphertext);
  return total;
}

/**
 * Encrypt and prove `choices` (one 0/1 per selection, e.g. from markSelection) under `ctx`;
 * refuse (InvalidChoices) choices outside the limits. `rng` defaults to the platform CSPRNG.
 *
 * Randomness, in order: r_1 … r_N; then each selection's range proof's draws; then each
 * constraint's range proof's draws, in manifest order (as the Python encrypt_ballot).
 *
 * Returns {ballot, opening, ballotHash}: `ballot` is the JSON of EncryptedBallot.to_json(),
 * `opening` the JSON {"nonces": [hex…]} for a Benaloh audit (drop it when casting),
 * `ballotHash` h_B in hex. `encrypted` and `nonces` hold the same as objects.
 */
export function encryptBallot(ctx, choices, rng = systemRng) {
  checkChoices(ctx.manifest, choices);
  const { electionHash: hE, publicKey: key } = ctx;
  const nonces = choices.map(() => randomScalar(rng));
  const ciphertexts = choices.map((m, i) => encrypt(m, key, nonces[i]));
  const digest = ballotDigest(hE, ciphertexts);
  const selections = choices.map((m, i) => new EncryptedSelection(
    ciphertexts[i],
    proveRange(hE, proofContext(digest, SELECTION_PROOF, i), key, ciphertexts[i], m, nonces[i],
      0, 1, rng),
  ));
  const constraintProofs = ctx.manifest.constraints.map((constraint, t) => {
    const total = sumCiphertexts(selections, constraint.selections);
    let rSum = new Scalar(0n);
    for (const i of constraint.selections) rSum = rSum.add(nonces[i]);
    const mSum = constraint.selections.reduce((sum, i) => sum + choices[i], 0);
    return proveRange(hE, proofContext(digest, CONSTRAINT_PROOF, t), key, total, mSum, rSum,
      constraint.min, constraint.max, rng);
  });
  const encrypted = new EncryptedBallot(hE, selections, constraintProofs);
  const opening = new BallotOpening(nonces);
  return {
    ballot: encrypted.toJson(),
    opening: opening.toJson(),
    ballotHash: toHex(encrypted.ballotHash()),
    encrypted,
    nonces: opening,
  };
}

function asBallot(ballot) {
  return ballot instanceof EncryptedBallot ? ballot : EncryptedBallot.fromJson(ballot);
}

function checkShape(ctx, ballot) {
  if (toHex(ballot.electionHash) !== toHex(ctx.electionHash)) {
    throw new InvalidBallot('ballot is bound to another election hash');
  }
  const expected = ctx.manifest.selectionCount;
  if (ballot.selections.length !== expected) {
    throw new InvalidBallot(`expected ${expected} selections, got ${ballot.selections.length}`);
  }
}

/**
 * Check h_E, the shape, every selection's [0, 1] proof and every constraint's [min, max]
 * proof of `ballot` (JSON or EncryptedBallot). Throws InvalidEncoding for malformed JSON and
 * InvalidBallot naming the failing selection or constraint; returns nothing.
 */
export function verifyBallot(ctx, ballot) {
  const b = asBallot(ballot);
  checkShape(ctx, b);
  const { constraints } = ctx.manifest;
  if (b.constraintProofs.length !== constraints.length) {
    throw new InvalidBallot(
      `expected ${constraints.length} constraint proofs, got ${b.constraintProofs.length}`,
    );
  }
  const { electionHash: hE, publicKey: key } = ctx;
  b.selections.forEach(({ ciphertext }, index) => {
    if (ciphertext.alpha.isIdentity() || ciphertext.beta.isIdentity()) {
      throw new InvalidBallot('ciphertext contains the identity', { selection: index });
    }
  });
  const digest = ballotDigest(hE, b.selections.map((s) => s.ciphertext));
  b.selections.forEach((selection, index) => {
    try {
      verifyRange(hE, proofContext(digest, SELECTION_PROOF, index), key, selection.ciphertext,
        0, 1, selection.proof);
    } catch (exc) {
      if (!(exc instanceof InvalidProof)) throw exc;
      throw new InvalidBallot('proof that it encrypts 0 or 1 fails (or the ciphertexts were '
        + 'altered, reordered or taken from another ballot)', { selection: index });
    }
  });
  constraints.forEach((constraint, index) => {
    const total = sumCiphertexts(b.selections, constraint.selections);
    try {
      verifyRange(hE, proofContext(digest, CONSTRAINT_PROOF, index), key, total, constraint.min,
        constraint.max, b.constraintProofs[index]);
    } catch (exc) {
      if (!(exc instanceof InvalidProof)) throw exc;
      throw new InvalidBallot(
        `proof that ${constraint.min}..${constraint.max} are marked fails`, { constraint: index },
      );
    }
  });
}

/**
 * Benaloh audit: recompute each ciphertext from its nonce r_i (alpha = r_i·G and
 * beta − r_i·K ∈ {O, G}) and return the choices; InvalidBallot on any mismatch.
 */
export function openBallot(ctx, ballot, opening) {
  const b = asBallot(ballot);
  const o = opening instanceof BallotOpening ? opening : BallotOpening.fromJson(opening);
  checkShape(ctx, b);
  if (o.nonces.length !== b.selections.length) {
    throw new InvalidBallot('opening has the wrong number of nonces');
  }
  return b.selections.map((selection, index) => {
    const r = o.nonces[index];
    const { alpha, beta } = selection.ciphertext;
    if (!alpha.equals(G.mul(r))) {
      throw new InvalidBallot('alpha does not match the nonce', { selection: index });
    }
    const plain = beta.sub(ctx.publicKey.mul(r));
    if (plain.isIdentity()) return 0;
    if (plain.equals(G)) return 1;
    throw new InvalidBallot('beta does not encrypt 0 or 1 with this nonce', { selection: index });
  });
}
