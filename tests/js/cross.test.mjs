// Reproduce Python-made ballots and canonical JSON byte for byte (tests/js/fixtures/cross.json,
// written by make_cross_vectors.py from the Python core), and check the JS verifier and
// audit on them.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { fromHex, toHex } from '../../kiosk_ui/static/js/crypto/bytes.js';
import {
  canonicalJsonText, encryptBallot, InvalidBallot, InvalidChoices, makeContext, openBallot,
  seededRng, verifyBallot,
} from '../../kiosk_ui/static/js/crypto/index.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/cross.json', import.meta.url), 'utf8'),
);

describe('ballots made by the Python core', () => {
  for (const c of fixture.ballots) {
    it(c.name, () => {
      const ctx = makeContext(c.context);
      assert.equal(toHex(ctx.electionHash), c.expected.election_hash);
      const out = encryptBallot(ctx, c.choices, seededRng(fromHex(c.rng_seed)));
      assert.deepEqual(out.ballot, c.expected.ballot);
      assert.deepEqual(out.opening, c.expected.opening);
      assert.equal(out.ballotHash, c.expected.ballot_hash);
      verifyBallot(ctx, c.expected.ballot);
      assert.deepEqual(openBallot(ctx, c.expected.ballot, c.expected.opening), c.choices);
    });
  }
});

describe('canonical JSON (RFC 8785) as the Python rfc8785 package writes it', () => {
  fixture.canonical.forEach((c, i) => {
    it(`value ${i}`, () => assert.equal(canonicalJsonText(c.value), c.canonical));
  });
});

describe('the kiosk API around the Python ballots', () => {
  const c = fixture.ballots.find((b) => b.name === '13选10 ten marks');

  it('system randomness gives a different ballot that still verifies and opens', () => {
    const ctx = makeContext(c.context);
    const out = encryptBallot(ctx, c.choices);
    assert.notEqual(out.ballotHash, c.expected.ballot_hash);
    verifyBallot(ctx, out.ballot);
    assert.deepEqual(openBallot(ctx, out.ballot, out.opening), c.choices);
  });

  it('an honest encryptor refuses eleven marks', () => {
    const ctx = makeContext(c.context);
    assert.throws(() => encryptBallot(ctx, new Array(13).fill(1).fill(0, 11)), InvalidChoices);
  });

  it('a context whose election_hash does not match is refused', () => {
    const bad = { ...c.context, election_hash: '00'.repeat(32) };
    assert.throws(() => makeContext(bad), { name: 'InvalidEncoding' });
    makeContext({ ...c.context, election_hash: c.expected.election_hash });
  });

  it('a ballot for another vote is refused as a whole', () => {
    const other = fixture.ballots.find((b) => b.name === '13 choose 3..10 three marks');
    assert.throws(
      () => verifyBallot(makeContext(other.context), c.expected.ballot),
      (exc) => exc instanceof InvalidBallot && exc.selection === null && exc.constraint === null,
    );
  });
});
