// The kiosk's plain-JavaScript parts under node: reading card input as docs/cards.md
// specifies it (the examples there, typing slips, look-alikes), and the cast's retry rules
// (network faults are retried with the same ballot; a refusal from the service is final).

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { castBallot, NetworkFault, Refusal } from '../../kiosk_ui/static/js/kiosk/api.js';
import { CardInputError, readCardInput } from '../../kiosk_ui/static/js/kiosk/card_input.js';

// The worked example of docs/cards.md (secret 000102…0f, vote projects-2019).
const PAYLOAD = 'RV1:projects-2019:00041061050R3GG28A1C60T3GF';
const BACKUP = '0004-1061-050R-3GG2-8A1C-60T3-GF1A';
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('card input', () => {
  it('reads a QR payload with its vote', () => {
    assert.deepEqual(readCardInput(PAYLOAD), { voteSlug: 'projects-2019', card: PAYLOAD });
    assert.equal(readCardInput(` rv1:projects-2019:${PAYLOAD.slice(18).toLowerCase()}\n`).voteSlug,
      'projects-2019');
  });

  it('reads a typed backup code, forgiving separators, case, width and look-alikes', () => {
    const compact = BACKUP.replaceAll('-', '');
    assert.deepEqual(readCardInput(BACKUP), { voteSlug: null, card: compact });
    assert.equal(readCardInput(BACKUP.toLowerCase().replaceAll('-', ' ')).card, compact);
    assert.equal(readCardInput('ｏ００４－1061—050r 3gg2 8a1c 60t3 gf1a').card, compact);
    assert.equal(readCardInput(BACKUP.replace('1061', 'I06l')).card, compact);
  });

  it('calls every single slip and every swap mistyped', () => {
    const digits = BACKUP.replaceAll('-', '');
    for (let i = 0; i < digits.length; i += 1) {
      for (const c of ALPHABET) {
        if (c === digits[i]) continue;
        const typed = digits.slice(0, i) + c + digits.slice(i + 1);
        assert.throws(() => readCardInput(typed), (e) => e instanceof CardInputError, typed);
      }
      const j = i + 1;
      if (j < digits.length && digits[i] !== digits[j]) {
        const swapped = digits.slice(0, i) + digits[j] + digits[i] + digits.slice(j + 1);
        assert.throws(() => readCardInput(swapped), { code: 'mistyped' }, swapped);
      }
    }
  });

  it('refuses what is not a card', () => {
    for (const text of ['', 'hello', BACKUP.slice(0, -1), `${BACKUP}0`, 'RV1:projects-2019',
      'RV1::00041061050R3GG28A1C60T3GF', 'RV1:bad id:00041061050R3GG28A1C60T3GF',
      'RV1:v:00041061050R3GG28A1C60T3G', 'RV1:v:U0041061050R3GG28A1C60T3GF',
      'RV1:v:80041061050R3GG28A1C60T3GF', 'https://example.org/']) {
      assert.throws(() => readCardInput(text), { code: 'malformed' }, text);
    }
    assert.throws(() => readCardInput(42), CardInputError);
    assert.equal(readCardInput('RV1:v:7ZZZZZZZZZZZZZZZZZZZZZZZZZ').voteSlug, 'v'); // 2**128 - 1
  });
});

describe('cast with retries', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => { globalThis.fetch = realFetch; });

  const RECEIPT = { vote: 'v', seq: 3, tracking_code: 'ABCD-EFGH', entry_hash: '00'.repeat(32) };
  const json = (status, body) => new Response(JSON.stringify(body), {
    status, headers: { 'content-type': 'application/json' },
  });
  const refusal = (code, status) => json(status, {
    error: { code, message: 'm', message_zh: '中文', message_en: 'English', details: {} },
  });

  function script(...answers) {
    const bodies = [];
    globalThis.fetch = async (url, init) => {
      bodies.push(init.body);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return typeof next === 'function' ? next() : next;
    };
    return bodies;
  }

  it('repeats the same request through faults until the receipt', async () => {
    const bodies = script(new TypeError('Failed to fetch'), json(503, {}),
      new Response('<html>', { status: 201 }), json(502, { error: { code: 'internal' } }),
      json(201, RECEIPT));
    const retries = [];
    const receipt = await castBallot(7, 'v', 'CARD', { selections: [] }, {
      onRetry: (n) => retries.push(n), wait: async () => {},
    });
    assert.deepEqual(receipt, RECEIPT);
    assert.deepEqual(retries, [1, 2, 3, 4]);
    assert.equal(new Set(bodies).size, 1); // the very same ballot every time
    assert.deepEqual(JSON.parse(bodies[0]), { card: 'CARD', ballot: { selections: [] } });
  });

  for (const [code, status] of [['card.rejected', 403], ['vote.not_open', 409],
    ['ballot.rejected', 422]]) {
    it(`stops at a refusal: ${code}`, async () => {
      script(new TypeError('offline'), refusal(code, status));
      await assert.rejects(
        castBallot(7, 'v', 'CARD', {}, { wait: async () => {} }),
        (e) => e instanceof Refusal && e.code === code && e.status === status
          && e.messages['zh-CN'] === '中文' && e.messages.en === 'English',
      );
    });
  }

  it('takes an error page that is not the service as a refusal, not a retry', async () => {
    script(new Response('not found', { status: 404 }));
    await assert.rejects(castBallot(7, 'v', 'C', {}, { wait: async () => {} }),
      (e) => e instanceof Refusal && e.code === 'http.404');
    assert.ok(new NetworkFault('x') instanceof Error);
  });
});
