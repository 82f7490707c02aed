#!/usr/bin/env bash
# Refresh the vendored @noble/curves and @noble/hashes ES modules from the npm registry.
#
#   scripts/vendor_noble.sh                 # the pinned versions below
#   scripts/vendor_noble.sh 2.4.0 2.4.0     # other versions: curves, hashes
#
# The kiosk loads these files with plain <script type="module"> and no build step, so only
# the modules that ed25519.js and sha2.js reach are copied, bare "@noble/hashes/…" imports
# are rewritten to relative paths, and source-map comments are dropped (no map files ship).
# npm pack checks each tarball against the registry's integrity hash, which VERSIONS records
# together with a SHA-256 of every copied file.
set -euo pipefail

CURVES_VERSION="${1:-2.4.0}"
HASHES_VERSION="${2:-2.4.0}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/kiosk_ui/static/vendor/noble"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent --json "@noble/curves@$CURVES_VERSION" "@noble/hashes@$HASHES_VERSION" > pack.json
mkdir curves hashes
tar xzf "noble-curves-$CURVES_VERSION.tgz" -C curves --strip-components=1
tar xzf "noble-hashes-$HASHES_VERSION.tgz" -C hashes --strip-components=1

rm -rf "$DEST.new"
mkdir -p "$DEST.new"
node --input-type=module - "$WORK" "$DEST.new" <<'NODE'
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { dirname, join, relative, posix } from 'node:path';
import { createHash } from 'node:crypto';

const [work, dest] = process.argv.slice(2);
const pack = JSON.parse(readFileSync(join(work, 'pack.json'), 'utf8'));
// Entry points the kiosk imports: ed25519 (points) and sha2 (SHA-512, SHA-256).
const queue = ['curves/ed25519.js', 'hashes/sha2.js'];
const seen = new Set();
// Only statements at the start of a line: doc comments hold example imports (" * import …").
const specifier =
  /^(?:import\s*(?:[^;'"]*?\bfrom\s*)?|export\s*(?:\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})\s*from\s*)["']([^"']+)["']/gm;

function resolve(from, spec) {
  if (spec.startsWith('@noble/hashes/')) return 'hashes/' + spec.slice('@noble/hashes/'.length);
  if (spec.startsWith('@noble/curves/')) return 'curves/' + spec.slice('@noble/curves/'.length);
  if (spec.startsWith('./') || spec.startsWith('../')) return posix.join(posix.dirname(from), spec);
  throw new Error(`${from}: cannot vendor import of ${spec}`);
}

while (queue.length) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  let text = readFileSync(join(work, file), 'utf8');
  if (/\bimport\s*\(/.test(text.replace(/async import\(/g, ''))) {
    throw new Error(`${file}: dynamic import() cannot be vendored`);
  }
  text = text.replace(specifier, (whole, spec) => {
    const target = resolve(file, spec);
    queue.push(target);
    let rel = posix.relative(posix.dirname(file), target);
    if (!rel.startsWith('.')) rel = './' + rel;
    return whole.replace(spec, rel);
  });
  text = text.replace(/^\/\/# sourceMappingURL=.*$/gm, '');
  mkdirSync(dirname(join(dest, file)), { recursive: true });
  writeFileSync(join(dest, file), text);
}

const lines = [
  '# Vendored by scripts/vendor_noble.sh from the npm registry; do not edit by hand.',
  '# package version tarball-integrity',
];
for (const entry of pack) {
  lines.push(`${entry.name} ${entry.version} ${entry.integrity}`);
  const dir = entry.name === '@noble/curves' ? 'curves' : 'hashes';
  copyFileSync(join(work, dir, 'LICENSE'), join(dest, dir, 'LICENSE'));
}
lines.push('# sha256 file (after rewriting imports to relative paths)');
for (const file of [...seen].sort()) {
  const digest = createHash('sha256').update(readFileSync(join(dest, file))).digest('hex');
  lines.push(`${digest} ${file}`);
}
writeFileSync(join(dest, 'VERSIONS'), lines.join('\n') + '\n');
console.log(`vendored ${seen.size} modules into ${relative(process.cwd(), dest) || dest}`);
NODE

rm -rf "$DEST"
mv "$DEST.new" "$DEST"
echo "done: $DEST"
