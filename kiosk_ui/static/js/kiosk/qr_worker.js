// A classic Web Worker that reads QR codes from camera frames with the vendored jsQR, so
// decoding never blocks the page. Message in: {data: Uint8ClampedArray (RGBA), width,
// height}; message out: the decoded text, or null.
/* global jsQR */
importScripts('/static/vendor/jsqr/jsQR.js');

self.onmessage = (event) => {
  const { data, width, height } = event.data;
  let text = null;
  try {
    const code = jsQR(data, width, height, { inversionAttempts: 'dontInvert' });
    if (code && code.data) text = code.data;
  } catch {
    text = null;
  }
  self.postMessage(text);
};
