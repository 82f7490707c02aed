// Times what a deputy waits for on the tablet: encrypting a 13-option / max-10 ballot with
// every proof. The context (manifest hash, h_E, K's window table) is built once per vote,
// so it is timed apart. Results go to the page and to window.benchResult.

import {
  encryptBallot, G, makeContext, markSelection, randomScalar, selectionManifest, systemRng,
  verifyBallot,
} from './crypto/index.js';

const OPTIONS = Array.from({ length: 13 }, (_, i) => `民生项目${String(i + 1).padStart(2, '0')}`);
const MARKED = [0, 1, 3, 4, 5, 7, 8, 10, 11, 12]; // ten of thirteen

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function run(runs) {
  const manifest = selectionManifest('bench', '13选10', OPTIONS, 0, 10);
  const contextJson = {
    manifest: manifest.toJson(),
    ceremony_hash: hex(systemRng(32)),
    public_key: G.mul(randomScalar(systemRng)).hex(),
  };
  let t = performance.now();
  const ctx = makeContext(contextJson);
  const contextMs = performance.now() - t;
  const choices = markSelection(ctx.manifest, MARKED);

  t = performance.now();
  const first = encryptBallot(ctx, choices);
  const firstMs = performance.now() - t;

  const encryptMs = [];
  const verifyMs = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    const out = encryptBallot(ctx, choices);
    encryptMs.push(performance.now() - t);
    t = performance.now();
    verifyBallot(ctx, out.ballot);
    verifyMs.push(performance.now() - t);
  }
  verifyBallot(ctx, first.ballot);
  return {
    runs,
    options: OPTIONS.length,
    max: 10,
    marked: MARKED.length,
    context_ms: contextMs,
    first_encrypt_ms: firstMs,
    encrypt_ms: encryptMs,
    verify_ms: verifyMs,
    browser_encrypt_ms: median(encryptMs),
    browser_verify_ms: median(verifyMs),
    user_agent: navigator.userAgent,
  };
}

function show(result) {
  const rows = [
    ['context (once per vote)', result.context_ms],
    ['first encryption', result.first_encrypt_ms],
    [`encryption, median of ${result.runs}`, result.browser_encrypt_ms],
    ['encryption, min', Math.min(...result.encrypt_ms)],
    ['encryption, max', Math.max(...result.encrypt_ms)],
    [`verification, median of ${result.runs}`, result.browser_verify_ms],
  ];
  const body = document.querySelector('#results tbody');
  for (const [label, ms] of rows) {
    const tr = document.createElement('tr');
    const a = document.createElement('td');
    const b = document.createElement('td');
    a.textContent = label;
    a.style.textAlign = 'left';
    b.textContent = ms.toFixed(1);
    tr.append(a, b);
    body.append(tr);
  }
  document.getElementById('results').hidden = false;
  document.getElementById('status').textContent = 'done';
}

const runs = Number(new URLSearchParams(location.search).get('runs') ?? 10);
try {
  const result = run(Number.isSafeInteger(runs) && runs > 0 ? runs : 10);
  show(result);
  window.benchResult = result;
} catch (exc) {
  document.getElementById('status').textContent = `failed: ${exc}`;
  window.benchResult = { error: String(exc) };
}
