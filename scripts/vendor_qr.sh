#!/usr/bin/env bash
# Refresh the kiosk's vendored QR libraries from the npm registry.
#
#   scripts/vendor_qr.sh                  # the pinned versions below
#   scripts/vendor_qr.sh 1.4.0 0.1.3      # other versions: jsqr, uqr
#
# jsqr reads the ballot card's QR code from the tablet camera (Chromium on Linux has no
# BarcodeDetector); its UMD bundle runs unchanged in a classic Web Worker (importScripts).
# uqr draws the QR code of a Benaloh audit's opening; its ES module is copied as uqr.js
# (a .js name so every server sends it as JavaScript). npm pack checks each tarball against
# the registry's integrity hash, which VERSIONS records with a SHA-256 of each copied file.
set -euo pipefail

JSQR_VERSION="${1:-1.4.0}"
UQR_VERSION="${2:-0.1.3}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/kiosk_ui/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent --json "jsqr@$JSQR_VERSION" "uqr@$UQR_VERSION" > pack.json
mkdir jsqr uqr
tar xzf "jsqr-$JSQR_VERSION.tgz" -C jsqr --strip-components=1
tar xzf "uqr-$UQR_VERSION.tgz" -C uqr --strip-components=1

rm -rf "$VENDOR/jsqr" "$VENDOR/uqr"
mkdir -p "$VENDOR/jsqr" "$VENDOR/uqr"
# The bundle ends with a source-map comment; no map file ships, so drop it.
sed '/^\/\/# sourceMappingURL=/d' jsqr/dist/jsQR.js > "$VENDOR/jsqr/jsQR.js"
cp jsqr/LICENSE "$VENDOR/jsqr/LICENSE"
sed '/^\/\/# sourceMappingURL=/d' uqr/dist/index.mjs > "$VENDOR/uqr/uqr.js"
cp uqr/LICENSE "$VENDOR/uqr/LICENSE"

node --input-type=module - "$WORK/pack.json" "$VENDOR" <<'NODE'
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const [packFile, vendor] = process.argv.slice(2);
const pack = JSON.parse(readFileSync(packFile, 'utf8'));
const lines = [
  '# Vendored by scripts/vendor_qr.sh from the npm registry; do not edit by hand.',
  '# package version tarball-integrity',
  ...pack.map((entry) => `${entry.name} ${entry.version} ${entry.integrity}`),
  '# sha256 file',
];
for (const file of ['jsqr/jsQR.js', 'jsqr/LICENSE', 'uqr/uqr.js', 'uqr/LICENSE']) {
  const digest = createHash('sha256').update(readFileSync(join(vendor, file))).digest('hex');
  lines.push(`${digest} ${file}`);
}
writeFileSync(join(vendor, 'QR-VERSIONS'), lines.join('\n') + '\n');
NODE
echo "done: $VENDOR/jsqr $VENDOR/uqr"
