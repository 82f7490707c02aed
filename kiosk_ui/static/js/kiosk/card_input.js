// Reading what the tablet got from a ballot card (docs/cards.md; voting/card_codes.py is the
// server's reading). A scanned QR payload "RV1:<vote-id>:<26 digits>" names its vote; a typed
// backup code (28 digits, 2 of them a check) does not. The tablet checks the form only, to
// say "mistyped" at once: whether the card is valid, issued or spent only the server knows.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U
const DECODE = new Map([...ALPHABET].map((c, v) => [c, v]));
DECODE.set('O', 0).set('I', 1).set('L', 1); // look-alikes, as Crockford reads them
const DATA_CHARS = 26;
const CHECK_CHARS = 2;
const CHECK_MODULUS = 1021;
const QR_PREFIX = 'RV1:';
const VOTE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// Separators people type or input methods produce; ignored in a backup code.
const SEPARATORS = /[\s\-\u2010-\u2015\u2212\u30fc\uff0d]+/g;

/** Input that is not a card: `code` is "malformed", or "mistyped" (check digits differ). */
export class CardInputError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'CardInputError';
    this.code = code;
  }
}

function values(chars) {
  return [...chars.toUpperCase()].map((c) => {
    const v = DECODE.get(c);
    if (v === undefined) throw new CardInputError('malformed', `${c} is not a card character`);
    return v;
  });
}

function checkValue(digits) {
  return digits.reduce((sum, v, i) => sum + (i + 1) * v, 0) % CHECK_MODULUS;
}

function checkRange(digits) {
  // 26 digits hold 130 bits; a 128-bit secret leaves the top two bits zero (first digit 0-7).
  if (digits[0] > 7) throw new CardInputError('malformed', 'card code out of range');
}

/**
 * Read a scanned or typed card. Returns {voteSlug, card}: voteSlug is the vote a QR payload
 * names (null for a typed code), card the text to send to the ballot box. Throws
 * CardInputError otherwise.
 */
export function readCardInput(raw) {
  if (typeof raw !== 'string') throw new CardInputError('malformed', 'not text');
  // NFKC folds the full-width letters, digits and colons of Chinese input methods.
  const text = raw.normalize('NFKC').trim();
  if (text.slice(0, QR_PREFIX.length).toUpperCase() === QR_PREFIX) {
    const rest = text.slice(QR_PREFIX.length);
    const cut = rest.lastIndexOf(':');
    const voteSlug = rest.slice(0, cut);
    if (cut < 0 || !VOTE_ID.test(voteSlug)) throw new CardInputError('malformed', 'bad vote id');
    const digits = values(rest.slice(cut + 1));
    if (digits.length !== DATA_CHARS) throw new CardInputError('malformed', 'bad length');
    checkRange(digits);
    return { voteSlug, card: text };
  }
  const compact = text.replace(SEPARATORS, '');
  const digits = values(compact);
  if (digits.length !== DATA_CHARS + CHECK_CHARS) {
    throw new CardInputError('malformed', `a backup code has ${DATA_CHARS + CHECK_CHARS} characters`);
  }
  const data = digits.slice(0, DATA_CHARS);
  const [hi, lo] = digits.slice(DATA_CHARS);
  if (hi * 32 + lo !== checkValue(data)) throw new CardInputError('mistyped', 'check digits differ');
  checkRange(data);
  return { voteSlug: null, card: digits.map((v) => ALPHABET[v]).join('') };
}
