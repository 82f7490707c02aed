// Unit tests of the browser crypto's API beyond the shared vectors: strict input handling,
// the marking helpers the kiosk calls, context loading, secrets kept out of strings.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import {
  canonicalJsonText, encodeParts, encryptBallot, G, InvalidChoices, InvalidEncoding,
  InvalidManifest, makeContext, markMotion, markRating, markSelection, motionManifest, Point,
  randomScalar, ratingManifest, Scalar, seededRng, selectionManifest, systemRng,
} from '../../kiosk_ui/static/js/crypto/index.js';
import { toHex } from '../../kiosk_ui/static/js/crypto/bytes.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/cross.json', import.meta.url), 'utf8'),
);

describe('strict decoding', () => {
  it('refuses upper-case, short and non-string hex', () => {
    const g = G.add(G).hex(); // has hex letters
    assert.equal(Point.fromHex(g).hex(), g);
    assert.throws(() => Point.fromHex(g.toUpperCase()), InvalidEncoding);
    assert.throws(() => Scalar.fromHex('00'.repeat(31)), InvalidEncoding);
    assert.throws(() => Scalar.fromHex(7), InvalidEncoding);
  });

  it('keeps the Point constructor internal', () => {
    assert.throws(() => new Point(), TypeError);
  });

  it('refuses bools, negatives and oversized ints as hash parts', () => {
    assert.throws(() => encodeParts('rendavote/v1/range', true), TypeError);
    assert.throws(() => encodeParts('rendavote/v1/range', -1), RangeError);
    assert.throws(() => encodeParts('rendavote/v1/range', 2n ** 64n), RangeError);
    assert.throws(() => encodeParts('other/tag'), RangeError);
    assert.equal(toHex(encodeParts('rendavote/v1/range', 2n ** 64n - 1n)).slice(-26),
      '040000000' + '8ffffffffffffffff');
  });

  it('refuses values with no canonical JSON', () => {
    assert.throws(() => canonicalJsonText({ a: NaN }), { name: 'CanonicalJsonError' });
    assert.throws(() => canonicalJsonText(['\ud800']), { name: 'CanonicalJsonError' });
    assert.throws(() => canonicalJsonText({ a: undefined }), { name: 'CanonicalJsonError' });
  });
});

describe('secrets stay out of strings', () => {
  it('hides scalars', () => {
    const r = randomScalar(seededRng(new Uint8Array([1])));
    assert.equal(String(r), 'Scalar(<hidden>)');
    assert.throws(() => JSON.stringify({ r }), TypeError);
  });
});

describe('randomness', () => {
  it('systemRng gives the requested length, beyond one getRandomValues call', () => {
    assert.equal(systemRng(0).length, 0);
    assert.equal(systemRng(70000).length, 70000);
    assert.notEqual(toHex(systemRng(32)), toHex(systemRng(32)));
  });

  it('seededRng streams the same bytes however they are read', () => {
    const a = seededRng(new Uint8Array([7, 7]));
    const b = seededRng(new Uint8Array([7, 7]));
    const whole = toHex(a(200));
    assert.equal(toHex(b(1)) + toHex(b(63)) + toHex(b(0)) + toHex(b(136)), whole);
  });
});

describe('marking', () => {
  const options = Array.from({ length: 13 }, (_, i) => `项目${i}`);
  const s = selectionManifest('v', '13选10', options, 0, 10);

  it('marks a selection by option indices', () => {
    assert.deepEqual(markSelection(s, [0, 12, 12]), [1, ...new Array(11).fill(0), 1]);
    assert.throws(() => markSelection(s, [13]), InvalidChoices);
    assert.throws(() => markSelection(s, ['1']), InvalidChoices);
  });

  it('marks a rating item-major, null = abstain', () => {
    const r = ratingManifest('r', '测评', ['甲', '乙'], ['满意', '基本满意', '不满意']);
    assert.deepEqual(markRating(r, [2, null]), [0, 0, 1, 0, 0, 0]);
    assert.deepEqual(r.labels.slice(0, 2), ['甲 / 满意', '甲 / 基本满意']);
    assert.throws(() => markRating(r, [3, null]), InvalidChoices);
    assert.throws(() => markRating(r, [0]), InvalidChoices);
  });

  it('marks a motion', () => {
    const m = motionManifest('m', '决定');
    assert.deepEqual(markMotion(m, 'no'), [0, 1, 0]);
    assert.deepEqual(markMotion(m, null), [0, 0, 0]);
    assert.throws(() => markMotion(m, 'maybe'), InvalidChoices);
  });

  it('refuses a manifest that is not what its kind builds', () => {
    const json = s.toJson();
    json.labels = [...json.labels].reverse();
    assert.throws(() => makeContext({ ...fixture.ballots[0].context, manifest: json }),
      InvalidManifest);
    assert.throws(() => selectionManifest('v', 't', options, 0, 14), InvalidManifest);
    assert.throws(() => selectionManifest('v', 't', ['a', 'a'], 0, 1), InvalidManifest);
  });

  it('refuses choices that break the limits or are not 0/1', () => {
    const ctx = makeContext(fixture.ballots[0].context);
    assert.throws(() => encryptBallot(ctx, new Array(13).fill(1)), InvalidChoices);
    assert.throws(() => encryptBallot(ctx, [2, ...new Array(12).fill(0)]), InvalidChoices);
    assert.throws(() => encryptBallot(ctx, [true, ...new Array(12).fill(0)]), InvalidChoices);
    assert.throws(() => encryptBallot(ctx, new Array(12).fill(0)), InvalidChoices);
  });
});

describe('makeContext', () => {
  const c = fixture.ballots[1];

  it('takes the /election answer: election_hash given, other keys ignored', () => {
    const ctx = makeContext({
      vote: 'projects', state: 'open', candidates: [],
      manifest: c.context.manifest, public_key: c.context.public_key,
      election_hash: c.expected.election_hash,
    });
    const out = encryptBallot(ctx, c.choices, seededRng(Buffer.from(c.rng_seed, 'hex')));
    assert.equal(out.ballotHash, c.expected.ballot_hash);
  });

  it('needs a key and a way to h_E', () => {
    assert.throws(() => makeContext({ manifest: c.context.manifest, public_key: c.context.public_key }),
      InvalidEncoding);
    assert.throws(() => makeContext({ ...c.context, public_key: '01' + '00'.repeat(31) }),
      InvalidEncoding);
    assert.throws(() => makeContext(null), InvalidEncoding);
  });
});
