// The Benaloh challenge ("检查加密"): the deputy may open an encrypted ballot instead of
// casting it. The opened ballot is shown as a QR code of its nonces and offered as the
// audit document that `tally audit FILE` checks (tally/audit.py):
//   {"format": "rendavote/audit/v1", "election": {manifest, public_key, election_hash},
//    "ballot": EncryptedBallot, "opening": {"nonces": [...]}, "choices": [0|1, ...]}
// An opened ballot can never be cast: the kiosk drops it and encrypts afresh.

import { encode } from '../../vendor/uqr/uqr.js';

export const AUDIT_FORMAT = 'rendavote/audit/v1';
const SVG = 'http://www.w3.org/2000/svg';

/** The audit document of an opened ballot. */
export function auditDocument(election, encrypted, choices) {
  return {
    format: AUDIT_FORMAT,
    election: {
      manifest: election.manifest,
      public_key: election.public_key,
      election_hash: election.election_hash,
    },
    ballot: encrypted.ballot,
    opening: encrypted.opening,
    choices: [...choices],
  };
}

/** The QR text of an opening: "RVA1:<h_B>:<nonces>", upper-case hex, so the QR code can
 * use its compact alphanumeric mode (a 39-selection rating ballot still fits). */
export function openingQrText(encrypted) {
  return `RVA1:${encrypted.ballotHash}:${encrypted.opening.nonces.join('')}`.toUpperCase();
}

/** Draw `text` as a QR code (one SVG path, no inline style) into `container`. */
export function drawQr(container, text) {
  const qr = encode(text, { ecc: 'L', border: 4 });
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${qr.size} ${qr.size}`);
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('aria-hidden', 'true');
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(qr.size));
  background.setAttribute('height', String(qr.size));
  background.setAttribute('fill', '#fff');
  const parts = [];
  qr.data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) parts.push(`M${x} ${y}h1v1h-1z`);
    });
  });
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', parts.join(''));
  path.setAttribute('fill', '#000');
  svg.append(background, path);
  container.replaceChildren(svg);
}

/** Point `anchor` at a download of `document` as JSON; returns a function that revokes it. */
export function offerDownload(anchor, document, filename) {
  const blob = new Blob([`${JSON.stringify(document, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  anchor.href = url;
  anchor.download = filename;
  return () => {
    URL.revokeObjectURL(url);
    anchor.href = '#';
  };
}
