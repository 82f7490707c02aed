// The vendored @noble files are exactly what scripts/vendor_noble.sh wrote (VERSIONS holds
// their SHA-256), import nothing but relative paths, and carry their licences.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const VENDOR = fileURLToPath(new URL('../../kiosk_ui/static/vendor/noble/', import.meta.url));

function listJs(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return listJs(dir, rel);
    return rel.endsWith('.js') ? [rel] : [];
  });
}

const recorded = new Map(
  readFileSync(join(VENDOR, 'VERSIONS'), 'utf8').split('\n')
    .filter((line) => /^[0-9a-f]{64} /.test(line))
    .map((line) => [line.slice(65), line.slice(0, 64)]),
);

it('every vendored module matches VERSIONS, and VERSIONS lists no missing file', () => {
  const files = listJs(VENDOR).sort();
  assert.deepEqual(files, [...recorded.keys()].sort());
  for (const file of files) {
    const digest = createHash('sha256').update(readFileSync(join(VENDOR, file))).digest('hex');
    assert.equal(digest, recorded.get(file), file);
  }
});

it('vendored modules import only relative paths', () => {
  for (const file of listJs(VENDOR)) {
    const text = readFileSync(join(VENDOR, file), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm)) {
      assert.match(m[1], /^\.\.?\//, `${file} imports ${m[1]}`);
    }
  }
});

it('licences and pinned versions are there', () => {
  assert.ok(existsSync(join(VENDOR, 'curves', 'LICENSE')));
  assert.ok(existsSync(join(VENDOR, 'hashes', 'LICENSE')));
  const versions = readFileSync(join(VENDOR, 'VERSIONS'), 'utf8');
  assert.match(versions, /^@noble\/curves \d+\.\d+\.\d+ sha512-/m);
  assert.match(versions, /^@noble\/hashes \d+\.\d+\.\d+ sha512-/m);
});
