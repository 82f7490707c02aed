// Replay the shared JSON test vectors (tests/vectors/*.json, written by the Python
// generator) against the browser crypto: every positive case must give the recorded output
// byte for byte, every negative case must throw the recorded error class and attributes.
// RENDAVOTE_VECTORS_DIR points elsewhere (e.g. a branch's checkout) when set.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { OPERATIONS } from './operations.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const VECTORS = resolve(process.env.RENDAVOTE_VECTORS_DIR ?? join(HERE, '..', 'vectors'));

// The files whose operations the tablet implements; the others are Python-only.
const FILES = [
  'group.json', 'hash.json', 'rng.json', 'elgamal.json', 'range_proof.json', 'manifest.json',
  'ballot.json',
];

function runCase(testCase) {
  const operation = OPERATIONS[testCase.operation];
  const input = structuredClone(testCase.input);
  if ('expected' in testCase) {
    assert.deepEqual(operation(input), testCase.expected);
    return;
  }
  const { class: errorClass, ...attrs } = testCase.expected_error;
  assert.throws(() => operation(input), (exc) => {
    assert.equal(exc.name, errorClass, `threw ${exc.name} (${exc.message}), expected ${errorClass}`);
    for (const [key, value] of Object.entries(attrs)) assert.equal(exc[key], value, key);
    return true;
  });
}

for (const file of FILES) {
  const path = join(VECTORS, file);
  describe(file, () => {
    if (!existsSync(path)) {
      it('vector file present', { skip: `${path} not found` }, () => {});
      return;
    }
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    for (const testCase of doc.cases) {
      const supported = Object.hasOwn(OPERATIONS, testCase.operation);
      it(testCase.name, { skip: supported ? false : `no JS ${testCase.operation}` }, () => {
        runCase(testCase);
      });
    }
  });
}
