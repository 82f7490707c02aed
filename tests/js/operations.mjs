// The JavaScript side of tests/vectors/operations.py: each operation maps a vector's JSON
// `input` to the JSON output the Python generator recorded, or throws the recorded error
// class. Only the operations the tablet needs are here (group, hashing, rng, ElGamal, range
// proofs, manifests, ballots); key-ceremony and decryption vectors are Python-only.

import { fromHex, parseHex, toHex } from '../../kiosk_ui/static/js/crypto/bytes.js';
import { canonicalJsonText } from '../../kiosk_ui/static/js/crypto/canonical.js';
import {
  Ciphertext, encodeParts, encryptBallot, EncryptedBallot, gPow, hashToScalar, makeContext,
  Manifest, openBallot, Point, proveRange, randomScalar, RangeProof, Scalar, seededRng, encrypt,
  verifyBallot, verifyRange,
} from '../../kiosk_ui/static/js/crypto/index.js';

const rngOf = (obj) => seededRng(fromHex(obj.rng_seed));

function part(item) {
  switch (item.type) {
    case 'bytes': return fromHex(item.hex);
    case 'point': return Point.fromHex(item.hex);
    case 'scalar': return Scalar.fromHex(item.hex);
    case 'int': return item.value;
    case 'str': return item.value;
    default: throw new Error(`unknown part type ${item.type}`);
  }
}

// The vectors' context objects carry exactly {manifest, ceremony_hash, public_key}.
const contextOf = (obj) => makeContext(obj);

export const OPERATIONS = {
  decode_scalar: (obj) => ({ scalar: Scalar.fromHex(obj.hex).hex() }),
  decode_point: (obj) => ({ point: Point.fromHex(obj.hex).hex() }),
  point_add: (obj) => ({ result: Point.fromHex(obj.p).add(Point.fromHex(obj.q)).hex() }),
  point_sub: (obj) => ({ result: Point.fromHex(obj.p).sub(Point.fromHex(obj.q)).hex() }),
  point_mul: (obj) => ({ result: Point.fromHex(obj.point).mul(Scalar.fromHex(obj.scalar)).hex() }),
  base_mul: (obj) => ({ result: gPow(obj.m).hex() }),

  hash_scalar(obj) {
    const parts = obj.parts.map(part);
    return {
      encoding: toHex(encodeParts(obj.tag, ...parts)),
      scalar: hashToScalar(obj.tag, ...parts).hex(),
    };
  },

  rng_stream(obj) {
    const rng = rngOf(obj);
    const outputs = obj.reads.map((n) => toHex(rng(n)));
    const scalars = Array.from({ length: obj.then_scalars }, () => randomScalar(rng).hex());
    return { outputs, scalars };
  },

  elgamal_encrypt(obj) {
    const ct = encrypt(obj.m, Point.fromHex(obj.public_key), Scalar.fromHex(obj.r));
    return { ciphertext: ct.toJson() };
  },

  ciphertext_sum(obj) {
    const cts = obj.ciphertexts.map((c) => Ciphertext.fromJson(c));
    return { sum: cts.slice(1).reduce((a, b) => a.add(b), cts[0]).toJson() };
  },

  range_prove(obj) {
    const key = Point.fromHex(obj.public_key);
    const r = Scalar.fromHex(obj.r);
    const ct = encrypt(obj.m, key, r);
    const proof = proveRange(
      parseHex(obj.election_hash, 32), fromHex(obj.context), key, ct, obj.m, r, obj.lo, obj.hi,
      rngOf(obj),
    );
    return { ciphertext: ct.toJson(), proof: proof.toJson() };
  },

  range_verify(obj) {
    const { lo, hi } = obj;
    const proof = RangeProof.fromJson(obj.proof, hi - lo + 1);
    verifyRange(
      parseHex(obj.election_hash, 32), fromHex(obj.context), Point.fromHex(obj.public_key),
      Ciphertext.fromJson(obj.ciphertext), lo, hi, proof,
    );
    return {};
  },

  manifest_hash(obj) {
    const manifest = Manifest.fromJson(obj.manifest);
    return {
      canonical_json: canonicalJsonText(manifest.toJson()),
      manifest_hash: toHex(manifest.manifestHash()),
    };
  },

  election_hash: (obj) => ({ election_hash: toHex(contextOf(obj).electionHash) }),

  ballot_encrypt(obj) {
    const { ballot, opening, ballotHash } = encryptBallot(
      contextOf(obj.context), obj.choices, rngOf(obj),
    );
    return { ballot, opening, ballot_hash: ballotHash };
  },

  ballot_verify(obj) {
    const ballot = EncryptedBallot.fromJson(obj.ballot);
    verifyBallot(contextOf(obj.context), ballot);
    return { ballot_hash: toHex(ballot.ballotHash()) };
  },

  ballot_open(obj) {
    return { choices: openBallot(contextOf(obj.context), obj.ballot, obj.opening) };
  },
};
