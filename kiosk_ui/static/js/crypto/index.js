// The public API of the browser crypto: what the kiosk imports. Everything here mirrors
// tally/ (docs/spec/crypto.md) and is checked against the shared tests/vectors/ files.

export {
  InvalidBallot, InvalidChoices, InvalidEncoding, InvalidManifest, InvalidProof, TallyError,
} from './errors.js';
export { G, IDENTITY, L, Point, Scalar, gPow, randomScalar } from './group.js';
export { canonicalJson, canonicalJsonText, sha256Hex } from './canonical.js';
export { encodeParts, hashToScalar } from './hashing.js';
export { seededRng, systemRng } from './rng.js';
export { Ciphertext, encrypt } from './elgamal.js';
export { RangeProof, proveRange, verifyRange } from './range_proof.js';
export {
  Manifest, motionManifest, ratingManifest, selectionManifest,
} from './manifest.js';
export { ElectionContext, computeElectionHash, makeContext } from './election.js';
export {
  BallotOpening, EncryptedBallot, ballotDigest, checkChoices, encryptBallot, markMotion,
  markRating, proofContext,
  markSelection, openBallot, verifyBallot,
} from './ballot.js';
