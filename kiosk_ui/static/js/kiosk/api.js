// Talking to the server: the session's votes, a vote's election context, and the cast.
//
// A cast is safe to repeat: the ballot box answers the same card with the same encrypted
// ballot with the same receipt. So when the network fails (no answer, a cut answer, a
// gateway error, a timeout), castBallot keeps the encrypted ballot and sends it again until
// it gets a receipt or a definite refusal (an error answer from the service itself).

const REQUEST_TIMEOUT_MS = 15000;
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 5000];

/** A definite "no" from the service: `code` is its stable error code (card.rejected, …). */
export class Refusal extends Error {
  constructor(status, code, messages = {}) {
    super(`${status} ${code}`);
    this.name = 'Refusal';
    this.status = status;
    this.code = code;
    this.messages = messages; // {"zh-CN": message_zh, "en": message_en}
  }
}

/** No usable answer: the request may or may not have reached the server. */
export class NetworkFault extends Error {
  constructor(message) {
    super(message);
    this.name = 'NetworkFault';
  }
}

async function request(url, init = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let response;
  let body;
  try {
    try {
      response = await fetch(url, {
        ...init, cache: 'no-store', credentials: 'same-origin', signal: controller.signal,
        headers: { accept: 'application/json', ...(init.headers ?? {}) },
      });
    } catch (exc) {
      throw new NetworkFault(String(exc));
    }
    try {
      body = await response.json();
    } catch {
      body = undefined; // not JSON, or cut short: judged below by the status
    }
  } finally {
    clearTimeout(timer);
  }
  if (response.ok) {
    if (body === undefined) throw new NetworkFault('answer cut short');
    return body;
  }
  // Gateways and overloaded servers answer 5xx/408/429 without deciding anything: retry.
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw new NetworkFault(`HTTP ${response.status}`);
  }
  const error = body?.error;
  if (typeof error?.code !== 'string') throw new Refusal(response.status, `http.${response.status}`);
  throw new Refusal(response.status, error.code, { 'zh-CN': error.message_zh, en: error.message_en });
}

/** The session's votes (VotePublic JSON), in order. */
export function listVotes(sessionId) {
  return request(`/api/sessions/${sessionId}/votes`);
}

/** What the tablet needs to encrypt for vote `slug`: manifest, key, h_E, spec, candidates. */
export function getElection(sessionId, slug) {
  return request(`/api/sessions/${sessionId}/votes/${encodeURIComponent(slug)}/election`);
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * Cast `ballot` (EncryptedBallot JSON) with `card` (as scanned or typed). Resolves to the
 * receipt {vote, seq, tracking_code, entry_hash}; rejects with a Refusal only. Calls
 * onRetry(attempt) before each repeat.
 */
export async function castBallot(sessionId, slug, card, ballot, { onRetry = () => {}, wait = sleep } = {}) {
  const url = `/api/sessions/${sessionId}/votes/${encodeURIComponent(slug)}/ballots`;
  const body = JSON.stringify({ card, ballot });
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request(url, {
        method: 'POST', body, headers: { 'content-type': 'application/json' },
      });
    } catch (exc) {
      if (!(exc instanceof NetworkFault)) throw exc;
      onRetry(attempt);
      await wait(RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)]);
    }
  }
}
