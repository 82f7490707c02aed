// Randomness sources (docs/spec/crypto.md §9), mirroring tally/rng.py.
//
// Every function that needs randomness takes an `rng(n)` returning n fresh bytes
// (Uint8Array). Real ballots use systemRng (crypto.getRandomValues). Tests pass
// seededRng(seed): block i (i = 0, 1, …) is
//   SHA-512( u32be(len(TAG)) ‖ TAG ‖ u32be(len(seed)) ‖ seed ‖ u64be(i) ),  TAG = "rendavote/v1/rng",
// and successive calls return successive bytes of block 0 ‖ block 1 ‖ …, exactly as the
// Python seeded_rng, so both produce byte-identical ballots from one seed. It is only as
// secret as its seed: never use it for a real vote.

import { sha512 } from '../../vendor/noble/hashes/sha2.js';
import { bigintToBytesBE, concatBytes, utf8 } from './bytes.js';

export const RNG_TAG = utf8('rendavote/v1/rng');

// getRandomValues fills at most 65536 bytes per call.
const MAX_CHUNK = 65536;

/** The platform CSPRNG (Web Crypto): the source for real votes. */
export function systemRng(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('n must be an integer >= 0');
  const out = new Uint8Array(n);
  for (let offset = 0; offset < n; offset += MAX_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(n, offset + MAX_CHUNK)));
  }
  return out;
}

/** A deterministic byte stream from `seed` (Uint8Array): SHA-512 in counter mode. */
export function seededRng(seed) {
  if (!(seed instanceof Uint8Array)) throw new TypeError('seed must be a Uint8Array');
  const prefix = concatBytes(
    bigintToBytesBE(BigInt(RNG_TAG.length), 4), RNG_TAG,
    bigintToBytesBE(BigInt(seed.length), 4), seed,
  );
  let buffer = new Uint8Array(0);
  let counter = 0n;
  return function rng(n) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('n must be an integer >= 0');
    const blocks = [buffer];
    let have = buffer.length;
    while (have < n) {
      const block = sha512(concatBytes(prefix, bigintToBytesBE(counter, 8)));
      blocks.push(block);
      have += block.length;
      counter += 1n;
    }
    const all = blocks.length === 1 ? buffer : concatBytes(...blocks);
    buffer = all.slice(n);
    return all.slice(0, n);
  };
}
