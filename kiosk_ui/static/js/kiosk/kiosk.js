// The kiosk's flow, one screen at a time:
//   idle (scan the card, or type its backup code) → [choose the vote, for a typed code when
//   several are open] → ballot → review → encrypt and cast → receipt → idle
//   review → "检查加密" → audit (the opened ballot, never cast) → review → …
// Marks, choices and the encrypted ballot live only in this object while one deputy votes;
// going back to idle drops them and empties every screen. Nothing is written to storage,
// cookies or history (the URL never changes).

import { encryptBallot, makeContext, openBallot, verifyBallot } from '../crypto/index.js';
import { Refusal, castBallot, getElection, listVotes } from './api.js';
import { auditDocument, drawQr, offerDownload, openingQrText } from './audit.js';
import { BallotView } from './ballot_view.js';
import { CardInputError, readCardInput } from './card_input.js';
import { CardScanner } from './scanner.js';

const SCREENS = ['idle', 'choose-vote', 'ballot', 'review', 'working', 'audit', 'receipt', 'refusal'];
const POLL_MS = 5000;
const IDLE_RESET_MS = 120000; // a ballot left alone this long is dropped
const SAME_SCAN_MS = 3000;
const REFUSAL_KEYS = {
  'card.rejected': 'kiosk.refusal.card',
  'vote.not_open': 'kiosk.refusal.not_open',
  'ballot.rejected': 'kiosk.refusal.ballot',
};

const byId = (id) => document.getElementById(id);
const nextPaint = () => new Promise((resolve) => {
  requestAnimationFrame(() => requestAnimationFrame(resolve));
});

export class Kiosk {
  /** @param {{sessionId: string, lang: string, returnSeconds: number, i18n: import('./i18n.js').I18n}} options */
  constructor({ sessionId, lang, returnSeconds, i18n }) {
    this.sessionId = sessionId;
    this.homeLang = lang;
    this.returnSeconds = returnSeconds;
    this.i18n = i18n;
    this.screen = null;
    this.openVotes = [];
    this.elections = new Map(); // slug → {election, ctx}: public data, kept between deputies
    this.vote = null; // the deputy's: {slug, card, election, ctx, view}
    this.pendingCard = null;
    this.busy = false;
    this.lastScan = { text: '', at: 0 };
    this.timers = { poll: null, idle: null, countdown: null };
    this.revokeAudit = null;
    this.scanner = new CardScanner(byId('camera'), (text) => this.#onCard(text));
  }

  start() {
    byId('code-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#onCard(byId('code-input').value);
    });
    byId('lang-switch').addEventListener('click', () => {
      this.#setLang(this.i18n.lang === 'en' ? 'zh-CN' : 'en');
    });
    byId('text-size').addEventListener('click', (event) => {
      const on = document.documentElement.classList.toggle('large-text');
      event.currentTarget.setAttribute('aria-pressed', String(on));
    });
    byId('choose-vote-cancel').addEventListener('click', () => this.reset());
    byId('ballot-leave').addEventListener('click', () => this.reset());
    byId('ballot-next').addEventListener('click', () => this.#review());
    byId('review-back').addEventListener('click', () => this.#show('ballot'));
    byId('review-audit').addEventListener('click', () => this.#audit());
    byId('review-cast').addEventListener('click', () => this.#cast());
    byId('audit-continue').addEventListener('click', () => this.#endAudit());
    byId('receipt-done').addEventListener('click', () => this.reset());
    byId('refusal-back').addEventListener('click', () => this.reset());
    for (const type of ['pointerdown', 'keydown']) {
      document.addEventListener(type, () => this.#armIdleReset(), { passive: true });
    }
    this.#setLang(this.homeLang);
    this.reset();
  }

  #setLang(lang) {
    this.i18n.setLang(lang);
    byId('lang-switch').lang = lang === 'en' ? 'zh-CN' : 'en';
  }

  // --- screens -------------------------------------------------------------------------

  #show(name) {
    this.screen = name;
    for (const screen of SCREENS) byId(`screen-${screen}`).hidden = screen !== name;
    if (name === 'idle') {
      this.#startCamera();
      this.#poll();
    } else {
      this.scanner.stop();
      clearTimeout(this.timers.poll);
    }
    this.#armIdleReset();
    window.scrollTo(0, 0);
    byId(`screen-${name}`).querySelector('[tabindex="-1"]')?.focus({ preventScroll: true });
  }

  #armIdleReset() {
    clearTimeout(this.timers.idle);
    if (['choose-vote', 'ballot', 'review', 'audit', 'refusal'].includes(this.screen)) {
      this.timers.idle = setTimeout(() => this.reset(), IDLE_RESET_MS);
    }
  }

  async #startCamera() {
    const started = await this.scanner.start();
    if (this.screen !== 'idle') {
      this.scanner.stop();
      return;
    }
    byId('camera-off').hidden = started;
    document.querySelector('.idle-grid').classList.toggle('no-camera', !started);
  }

  async #poll() {
    clearTimeout(this.timers.poll);
    try {
      const votes = await listVotes(this.sessionId);
      this.openVotes = votes.filter((v) => v.state === 'open');
    } catch {
      // keep the last list; the next poll tries again
    }
    if (this.screen !== 'idle') return;
    const list = byId('open-votes');
    list.replaceChildren(...this.openVotes.map((v) => {
      const li = document.createElement('li');
      li.textContent = v.title;
      return li;
    }));
    byId('no-vote').hidden = this.openVotes.length > 0;
    this.timers.poll = setTimeout(() => this.#poll(), POLL_MS);
  }

  /** Back to idle for the next deputy: drop the ballot and empty every screen. */
  reset() {
    clearInterval(this.timers.countdown);
    this.#endAudit({ silent: true });
    this.vote = null;
    this.pendingCard = null;
    this.busy = false;
    for (const id of ['ballot-body', 'review-list', 'vote-choices', 'audit-choices']) {
      byId(id).replaceChildren();
    }
    for (const id of ['ballot-title', 'ballot-instructions', 'ballot-counter', 'review-vote',
      'review-count', 'tracking-code', 'receipt-seq', 'receipt-countdown', 'refusal-text',
      'working-text']) {
      const el = byId(id);
      el.textContent = '';
      delete el.dataset.i18n;
      delete el.dataset.i18nArgs;
    }
    for (const id of ['ballot-message', 'card-error']) byId(id).hidden = true;
    byId('code-input').value = '';
    document.documentElement.classList.remove('large-text');
    byId('text-size').setAttribute('aria-pressed', 'false');
    this.#setLang(this.homeLang);
    this.#show('idle');
  }

  // --- the card ------------------------------------------------------------------------

  #cardError(key) {
    const el = byId('card-error');
    this.i18n.setText(el, key);
    el.hidden = false;
  }

  async #onCard(raw) {
    if (this.busy || this.screen !== 'idle') return;
    const now = Date.now();
    if (raw === this.lastScan.text && now - this.lastScan.at < SAME_SCAN_MS) return;
    this.lastScan = { text: raw, at: now };
    let read;
    try {
      read = readCardInput(raw);
    } catch (exc) {
      if (!(exc instanceof CardInputError)) throw exc;
      this.#cardError(exc.code === 'mistyped' ? 'kiosk.card.mistyped' : 'kiosk.card.malformed');
      return;
    }
    byId('card-error').hidden = true;
    this.busy = true;
    try {
      await this.#poll();
      if (read.voteSlug !== null) {
        if (!this.openVotes.some((v) => v.slug === read.voteSlug)) {
          this.#cardError('kiosk.card.other_vote');
          return;
        }
        await this.#begin(read.voteSlug, read.card);
      } else if (this.openVotes.length === 1) {
        await this.#begin(this.openVotes[0].slug, read.card);
      } else if (this.openVotes.length === 0) {
        this.#cardError('kiosk.idle.no_vote');
      } else {
        this.#chooseVote(read.card);
      }
    } finally {
      this.busy = false;
    }
  }

  #chooseVote(card) {
    this.pendingCard = card;
    const list = byId('vote-choices');
    list.replaceChildren(...this.openVotes.map((v) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = v.title;
      button.addEventListener('click', () => {
        const pending = this.pendingCard;
        this.pendingCard = null;
        if (pending) this.#begin(v.slug, pending);
      });
      li.append(button);
      return li;
    }));
    this.#show('choose-vote');
  }

  /** The crypto context of `election`, built once per election hash (K's table is costly). */
  #context(slug, election) {
    const cached = this.elections.get(slug);
    if (cached && cached.election.election_hash === election.election_hash) return cached;
    const entry = { election, ctx: makeContext(election) };
    this.elections.set(slug, entry);
    return entry;
  }

  async #begin(slug, card) {
    let entry;
    try {
      const election = await getElection(this.sessionId, slug);
      if (election.state !== 'open') throw new Refusal(409, 'vote.not_open');
      entry = this.#context(slug, election);
    } catch (exc) {
      this.#refuse(exc, 'kiosk.error.load');
      return;
    }
    const { election, ctx } = entry;
    const view = new BallotView(election, this.i18n, {
      counter: byId('ballot-counter'), message: byId('ballot-message'),
    });
    this.vote = { slug, card, election, ctx, view };
    byId('ballot-title').textContent = election.manifest.title;
    const line = view.instructions();
    this.i18n.setText(byId('ballot-instructions'), line.key, line.args);
    byId('ballot-message').hidden = true;
    view.render(byId('ballot-body'));
    this.#show('ballot');
  }

  // --- review, audit, cast ------------------------------------------------------------

  #choices() {
    const { view, ctx } = this.vote;
    return view.choices(ctx.manifest);
  }

  #review() {
    if (!this.vote || !this.vote.view.ready()) return;
    byId('review-vote').textContent = this.vote.election.manifest.title;
    this.vote.view.describe(byId('review-list'), this.#choices(), byId('review-count'));
    this.#show('review');
  }

  async #working(key, args = null) {
    this.i18n.setText(byId('working-text'), key, args);
    if (this.screen !== 'working') this.#show('working');
    await nextPaint();
  }

  async #audit() {
    if (!this.vote) return;
    const { election, ctx, view, slug } = this.vote;
    const choices = this.#choices();
    await this.#working('kiosk.working.encrypting');
    let encrypted;
    let opened;
    try {
      encrypted = encryptBallot(ctx, choices);
      verifyBallot(ctx, encrypted.ballot);
      opened = openBallot(ctx, encrypted.ballot, encrypted.opening);
    } catch (exc) {
      this.#refuse(exc, 'kiosk.error.encrypt');
      return;
    }
    const matches = opened.length === choices.length && opened.every((m, i) => m === choices[i]);
    byId('audit-self-check').hidden = !matches;
    byId('audit-election-hash').textContent = election.election_hash;
    byId('audit-ballot-hash').textContent = encrypted.ballotHash;
    view.describe(byId('audit-choices'), opened);
    drawQr(byId('audit-qr'), openingQrText(encrypted));
    const doc = auditDocument(election, encrypted, opened);
    this.revokeAudit = offerDownload(byId('audit-download'), doc,
      `audit-${slug}-${encrypted.ballotHash.slice(0, 12)}.json`);
    this.#show('audit');
  }

  /** Leave the audit: the opened ballot is gone for good; the next cast encrypts afresh. */
  #endAudit({ silent = false } = {}) {
    this.revokeAudit?.();
    this.revokeAudit = null;
    byId('audit-qr').replaceChildren();
    byId('audit-choices').replaceChildren();
    byId('audit-election-hash').textContent = '';
    byId('audit-ballot-hash').textContent = '';
    if (!silent && this.vote) this.#show('review');
  }

  async #cast() {
    if (!this.vote) return;
    const { ctx, slug, card } = this.vote;
    const choices = this.#choices();
    await this.#working('kiosk.working.encrypting');
    let ballot;
    try {
      ballot = encryptBallot(ctx, choices).ballot; // the opening is dropped here, unseen
    } catch (exc) {
      this.#refuse(exc, 'kiosk.error.encrypt');
      return;
    }
    // From here the marks are not needed: only the encrypted ballot is kept, for retries.
    this.vote.view.clear();
    byId('ballot-body').replaceChildren();
    byId('review-list').replaceChildren();
    await this.#working('kiosk.working.sending');
    let receipt;
    try {
      receipt = await castBallot(this.sessionId, slug, card, ballot, {
        onRetry: (attempt) => this.#working('kiosk.working.retrying', { attempt }),
      });
    } catch (exc) {
      this.#refuse(exc, 'kiosk.error.load');
      return;
    } finally {
      ballot = null;
    }
    this.vote = null;
    this.#receipt(receipt);
  }

  #receipt(receipt) {
    byId('tracking-code').textContent = receipt.tracking_code;
    this.i18n.setText(byId('receipt-seq'), 'kiosk.receipt.seq', { seq: receipt.seq });
    let left = this.returnSeconds;
    const tick = () => {
      this.i18n.setText(byId('receipt-countdown'), 'kiosk.receipt.countdown', { seconds: left });
      left -= 1;
      if (left < 0) this.reset();
    };
    tick();
    clearInterval(this.timers.countdown);
    this.timers.countdown = setInterval(tick, 1000);
    this.#show('receipt');
  }

  #refuse(exc, fallbackKey) {
    const text = byId('refusal-text');
    if (exc instanceof Refusal && REFUSAL_KEYS[exc.code]) {
      this.i18n.setText(text, REFUSAL_KEYS[exc.code]);
    } else if (exc instanceof Refusal && exc.messages['zh-CN']) {
      this.i18n.setText(text, 'kiosk.refusal.other', { message: exc.messages });
    } else {
      this.i18n.setText(text, fallbackKey);
    }
    this.vote = null;
    this.#show('refusal');
  }
}
