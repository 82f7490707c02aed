// Encrypt one ballot with the browser code under node, for the Python side to check:
//   node tests/js/encrypt_cli.mjs < {"context": {...}, "choices": [0, 1, …]}
// prints {"ballot", "opening", "ballot_hash"}. Randomness: crypto.getRandomValues.

import { readFileSync } from 'node:fs';

import { encryptBallot, makeContext } from '../../kiosk_ui/static/js/crypto/index.js';

const request = JSON.parse(readFileSync(0, 'utf8'));
const { ballot, opening, ballotHash } = encryptBallot(makeContext(request.context), request.choices);
process.stdout.write(JSON.stringify({ ballot, opening, ballot_hash: ballotHash }) + '\n');
