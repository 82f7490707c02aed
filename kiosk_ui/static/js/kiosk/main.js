// The kiosk page's entry point: read the page's data- attributes, load the texts of both
// languages, and start the flow (kiosk.js).

import { I18n } from './i18n.js';
import { Kiosk } from './kiosk.js';

async function boot() {
  const { sessionId, lang, returnSeconds } = document.body.dataset;
  let catalogues = {};
  try {
    const response = await fetch('/kiosk/messages.json', { cache: 'no-cache' });
    if (response.ok) catalogues = await response.json();
  } catch {
    // the texts rendered by the server stay; only switching language is lost
  }
  const i18n = new I18n(catalogues, lang);
  const kiosk = new Kiosk({ sessionId, lang, returnSeconds: Number(returnSeconds) || 20, i18n });
  kiosk.start();
  document.body.dataset.ready = 'true'; // for the browser tests
}

boot();
