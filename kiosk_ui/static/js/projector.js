// The hall display: renders the public live view of a session (voting/api/live_view.py)
// and keeps it current over a websocket, reconnecting with backoff when the link drops.
// Every text goes in through textContent and every size through SVG attributes: nothing
// here builds HTML from strings, and nothing needs an inline script or style.
"use strict";

(function () {
  const body = document.body;
  const sessionId = body.dataset.session;
  const pinned = body.dataset.vote || "";
  const strings = JSON.parse(document.getElementById("projector-strings").textContent);
  const SVG = "http://www.w3.org/2000/svg";

  let clockOffset = 0; // server clock minus ours, in ms
  let current = null; // the current vote's status, for the elapsed-time ticker

  function t(key, params) {
    let text = strings[key] || key;
    for (const [name, value] of Object.entries(params || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  }

  const num = (n) => Number(n).toLocaleString(body.dataset.lang || "zh-CN");
  const pct = (x) => (Math.round(x * 1000) / 10).toFixed(1) + "%";

  // A horizontal bar on a 0..scale axis, with an optional threshold mark. The bars of a
  // table share the scale, so the threshold marks line up into one line down the table.
  function bar(value, scale, threshold, className) {
    const box = svg("svg", { viewBox: "0 0 1000 100", preserveAspectRatio: "none",
      class: "bar " + (className || ""), "aria-hidden": "true" });
    box.append(svg("rect", { x: 0, y: 10, width: 1000, height: 80, class: "bar-track" }));
    const width = scale > 0 ? Math.min(1000, (1000 * value) / scale) : 0;
    box.append(svg("rect", { x: 0, y: 10, width: width, height: 80, class: "bar-fill" }));
    if (threshold && scale > 0) {
      const x = Math.min(1000, (1000 * threshold) / scale);
      box.append(svg("line", { x1: x, x2: x, y1: 0, y2: 100, class: "bar-threshold" }));
    }
    return box;
  }

  // Segments (value, class) stacked on one 0..total axis.
  function stacked(parts, total, threshold) {
    const box = svg("svg", { viewBox: "0 0 1000 100", preserveAspectRatio: "none",
      class: "bar stacked", "aria-hidden": "true" });
    box.append(svg("rect", { x: 0, y: 10, width: 1000, height: 80, class: "bar-track" }));
    let x = 0;
    for (const [value, className] of parts) {
      const w = total > 0 ? (1000 * value) / total : 0;
      box.append(svg("rect", { x: x, y: 10, width: w, height: 80, class: className }));
      x += w;
    }
    if (threshold && total > 0) {
      const tx = Math.min(1000, (1000 * threshold) / total);
      box.append(svg("line", { x1: tx, x2: tx, y1: 0, y2: 100, class: "bar-threshold" }));
    }
    return box;
  }

  function figure(label, value, className) {
    return el("div", "figure " + (className || ""), el("span", "figure-value", num(value)),
      el("span", "figure-label", label));
  }

  function heading(status, stateText, stateClass) {
    return el("div", "vote-head",
      el("p", "vote-kind", t("kind." + status.kind)),
      el("h2", "vote-title", status.title),
      el("p", "vote-state " + stateClass, stateText));
  }

  function elapsedText(status) {
    if (!status || !status.opened_at) return "";
    const seconds = Math.max(0, Math.floor((Date.now() + clockOffset - Date.parse(status.opened_at)) / 1000));
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    const two = (n) => String(n).padStart(2, "0");
    return (h ? h + ":" + two(m) : String(m)) + ":" + two(s);
  }

  function renderOpen(status) {
    const cards = status.cards;
    const turnout = el("div", "turnout",
      figure(t("projector.turnout.cast"), status.ballots_cast, "cast"),
      figure(t("projector.turnout.issued"), cards.issued, "issued"),
      figure(t("projector.turnout.present"), status.deputies_present, "present"),
      figure(t("projector.turnout.total"), status.deputies_total, "total"));
    const share = cards.issued ? status.ballots_cast / cards.issued : 0;
    const progress = el("div", "progress with-label",
      bar(status.ballots_cast, Math.max(cards.issued, 1), 0, "turnout-bar"),
      el("span", "progress-label", pct(share)));
    const elapsed = el("p", "elapsed", t("projector.elapsed") + " ",
      el("span", "elapsed-value", elapsedText(status)));
    elapsed.id = "elapsed";
    return [heading(status, t("projector.open"), "is-open"), turnout, progress, elapsed];
  }

  function renderCounting(status) {
    const note = t("projector.counting." + status.state);
    return [heading(status, t("projector.counting"), "is-counting"),
      el("p", "big-state counting-pulse", t("projector.counting")),
      el("p", "counting-note", note),
      el("p", "validity", t("projector.validity", { issued: num(status.cards.issued), cast: num(status.ballots_cast) }))];
  }

  function thresholdLine(result, status) {
    if (!result.threshold_votes) return null;
    return t("projector.threshold", { votes: num(result.threshold_votes),
      rule: t("threshold." + status.threshold_rule) });
  }

  // The key to the dashed line the bars of a table share.
  function thresholdLegend(votes) {
    if (!votes) return "";
    const sample = svg("svg", { viewBox: "0 0 40 20", class: "legend-line", "aria-hidden": "true" });
    sample.append(svg("line", { x1: 20, x2: 20, y1: 0, y2: 20, class: "bar-threshold" }));
    return el("span", "legend", sample, t("projector.threshold_legend", { votes: num(votes) }));
  }

  function rankOrder(counts) {
    return counts.map((c, i) => [c, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map((p) => p[1]);
  }

  function renderSelection(status, result) {
    const options = status.options;
    const counts = result.counts;
    const elected = new Set(result.elected);
    const tied = new Set(result.tie ? result.tie.options : []);
    const scale = Math.max(status.deputies_total, result.threshold_votes || 0, ...counts, 1);
    const table = el("table", "ranked");
    table.append(el("thead", null, el("tr", null,
      el("th", "rank", t("projector.col.rank")), el("th", "name", t("projector.col.option")),
      el("th", "num", t("projector.col.votes")), el("th", "chart", thresholdLegend(result.threshold_votes)),
      el("th", "outcome", t("projector.col.outcome")))));
    const rows = el("tbody");
    let rank = 0, previous = null;
    rankOrder(counts).forEach((index, position) => {
      if (counts[index] !== previous) rank = position + 1;
      previous = counts[index];
      const state = elected.has(index) ? "elected" : tied.has(index) ? "tied" : "not-elected";
      const label = state === "elected" ? "✓ " + t("projector.elected")
        : state === "tied" ? t("projector.tied") : "";
      const row = el("tr", "option " + state,
        el("td", "rank", String(rank)), el("td", "name", options[index]),
        el("td", "num", num(counts[index])),
        el("td", "chart", bar(counts[index], scale, result.threshold_votes, state)),
        el("td", "outcome", label));
      row.dataset.option = String(index);
      rows.append(row);
    });
    table.append(rows);
    const parts = [el("p", "summary",
      t("projector.seats", { seats: status.select_max, elected: result.elected.length }),
      thresholdLine(result, status) ? " · " + thresholdLine(result, status) : null), table];
    if (result.tie) {
      parts.push(el("p", "callout tie", t("projector.tie", {
        options: result.tie.options.map((i) => options[i]).join("、"), seats: result.tie.seats })));
    }
    if (result.shortfall) {
      parts.push(el("p", "callout shortfall", t("projector.shortfall", {
        seats: result.shortfall.seats,
        options: result.shortfall.runoff_options.map((i) => options[i]).join("、") })));
    }
    return parts;
  }

  function renderRating(status, result) {
    const scale = status.scale || [];
    const table = el("table", "ratings");
    const head = el("tr", null, el("th", "name", t("projector.item")));
    for (let level = 0; level < 3; level++) head.append(el("th", "num", scale[level] || ""));
    head.append(el("th", "num", t("projector.rating.abstain")), el("th", "chart", ""),
      el("th", "num", t("projector.rating.rate")), el("th", "outcome", t("projector.rating.verdict")));
    table.append(el("thead", null, head));
    const rows = el("tbody");
    status.options.forEach((item, i) => {
      const c = result.counts[i];
      const verdict = result.verdict[i];
      const row = el("tr", "item verdict-" + verdict, el("td", "name", item),
        el("td", "num", num(c[0])), el("td", "num", num(c[1])), el("td", "num", num(c[2])),
        el("td", "num", num(c[3])),
        el("td", "chart", stacked([[c[0], "seg-satisfied"], [c[1], "seg-basically"],
          [c[2], "seg-unsatisfied"], [c[3], "seg-abstain"]], result.ballots_cast, 0)),
        el("td", "num rate", pct(result.satisfaction_rate[i])),
        el("td", "outcome", t("verdict." + verdict)));
      rows.append(row);
    });
    table.append(rows);
    const rule = status.threshold_votes
      ? el("p", "summary", t("projector.rating.rule", { votes: num(status.threshold_votes),
        rule: t("threshold." + status.threshold_rule) }))
      : null;
    return [table, rule];
  }

  function renderMotion(status, result) {
    const c = result.counts;
    const figures = el("div", "turnout motion",
      figure(t("projector.motion.yes"), c.yes, "yes"),
      figure(t("projector.motion.no"), c.no, "no"),
      figure(t("projector.motion.abstain"), c.abstain, "abstain"));
    const total = Math.max(status.deputies_total, result.ballots_cast, 1);
    const chart = el("div", "progress", stacked([[c.yes, "seg-yes"], [c.no, "seg-no"],
      [c.abstain, "seg-abstain"]], total, result.threshold_votes));
    const verdict = el("p", "big-state motion-verdict " + (result.passed ? "passed" : "not-passed"),
      result.passed ? t("projector.passed") : t("projector.not_passed"));
    return [figures, chart, thresholdLine(result, status) ? el("p", "summary", thresholdLine(result, status)) : null, verdict];
  }

  function renderCertified(status) {
    const result = status.result;
    const valid = result.status === "valid";
    const parts = [heading(status, t("projector.certified"), "is-certified"),
      el("p", "validity " + (valid ? "valid" : "void"),
        t("projector.validity", { issued: num(result.cards_issued), cast: num(result.ballots_cast) }),
        " · ", el("strong", null, valid ? t("projector.valid") : t("projector.void")))];
    const renderer = { selection: renderSelection, rating: renderRating, motion: renderMotion }[status.kind];
    const content = el("div", "result " + status.kind + (valid ? "" : " void"), ...renderer(status, result));
    const signers = el("ul", "signers");
    for (const s of status.certificate.signers) {
      const name = s.role === "certification" ? t("projector.signer.certification")
        : t("projector.signer.scrutineer", { n: s.signer.replace(/^scrutineer-/, "") });
      signers.append(el("li", null, el("span", "signer", name), " ", el("code", null, s.fingerprint)));
    }
    const verifyPath = "/verify/" + sessionId + "/" + encodeURIComponent(status.vote);
    const qr = el("img", "qr");
    qr.src = verifyPath + "/qr.svg";
    qr.alt = location.origin + verifyPath;
    const proof = el("aside", "proof",
      el("div", "fingerprints", el("h3", null, t("projector.certificate")), signers),
      el("figure", "verify", qr, el("figcaption", null, t("projector.verify_hint"),
        el("br"), el("code", null, location.origin + verifyPath))));
    parts.push(el("div", "certified-body", content, proof));
    return parts;
  }

  function renderAgenda(view) {
    const list = document.getElementById("agenda");
    list.replaceChildren();
    const currentSlug = view.current ? view.current.vote : null;
    for (const v of view.votes) {
      const item = el("li", "agenda-item state-" + v.state + (v.slug === currentSlug ? " current" : ""),
        el("span", "agenda-title", v.title), el("span", "agenda-state", t("state." + v.state)));
      list.append(item);
    }
  }

  function render(view) {
    document.getElementById("session-title").textContent = view.session.title;
    const stage = document.getElementById("stage");
    const status = view.current;
    current = status;
    let parts;
    if (!status) {
      parts = [el("p", "big-state", t("projector.waiting")), el("p", "counting-note", t("projector.no_vote"))];
    } else if (status.state === "keys_ready") {
      parts = [heading(status, t("projector.upcoming"), "is-upcoming")];
    } else if (status.state === "open") {
      parts = renderOpen(status);
    } else if (status.state === "certified" && status.result) {
      parts = renderCertified(status);
    } else {
      parts = renderCounting(status);
    }
    stage.replaceChildren(...parts.filter((p) => p));
    stage.dataset.state = status ? status.state : "none";
    stage.dataset.vote = status ? status.vote : "";
    renderAgenda(view);
    fit();
  }

  // Shrink the stage's type until everything shows: 13 options must fit a 720p screen.
  function fit() {
    const stage = document.getElementById("stage");
    let scale = 1;
    stage.style.setProperty("--s", "1");
    while (stage.scrollHeight > stage.clientHeight + 1 && scale > 0.4) {
      scale -= 0.04;
      stage.style.setProperty("--s", scale.toFixed(2));
    }
    stage.dataset.scale = scale.toFixed(2);
  }

  let lastHeard = Date.now();
  function accept(message) {
    if (!message) return;
    lastHeard = Date.now();
    if (message.server_time) clockOffset = Date.parse(message.server_time) - Date.now();
    if (message.type !== "view") return; // a heartbeat
    body.dataset.worker = message.worker;
    render(message.view);
  }

  function setLink(state) {
    const link = document.getElementById("link");
    link.dataset.state = state;
    link.textContent = t("projector.link." + state);
  }

  // ---- the websocket, and coming back after it drops ----------------------------------
  let attempts = 0;
  let socket = null;
  const query = pinned ? "?vote=" + encodeURIComponent(pinned) : "";

  let generation = 0; // events of a socket we gave up on are ignored

  const isLive = () => socket !== null && socket.readyState === WebSocket.OPEN;

  function refetch() {
    fetch("/api/sessions/" + sessionId + "/live" + query, { cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null))
      .then((message) => { if (!isLive()) accept(message); }) // the socket's view is newer
      .catch(() => {});
  }

  function lost(code) {
    if (code === 4404) { setLink("gone"); return; }
    setLink("reconnecting");
    // 1 s, 2 s, 4 s … up to 30 s, jittered so a hall of screens does not return at once.
    const delay = Math.min(30000, 1000 * 2 ** attempts) * (0.5 + Math.random() / 2);
    attempts += 1;
    refetch(); // the screen stays current over plain HTTP meanwhile
    setTimeout(connect, delay);
  }

  function connect() {
    const mine = ++generation;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + "/ws/sessions/" + sessionId + query);
    socket = ws;
    ws.addEventListener("open", () => {
      if (mine !== generation) return;
      attempts = 0;
      lastHeard = Date.now();
      setLink("live");
    });
    ws.addEventListener("message", (event) => {
      if (mine !== generation) return;
      try { accept(JSON.parse(event.data)); } catch (e) { /* one bad frame: wait for the next */ }
    });
    ws.addEventListener("close", (event) => { if (mine === generation) lost(event.code); });
  }

  document.getElementById("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "f" || event.key === "F") document.getElementById("fullscreen").click();
  });
  document.addEventListener("fullscreenchange", () => {
    body.classList.toggle("is-fullscreen", Boolean(document.fullscreenElement));
    fit();
  });
  window.addEventListener("resize", fit);

  setInterval(() => {
    const value = document.querySelector("#elapsed .elapsed-value");
    if (value && current && current.state === "open") value.textContent = elapsedText(current);
    // The server pings a quiet socket every 20 s; silence for a minute means a dead link.
    if (isLive() && Date.now() - lastHeard > 60000) {
      generation += 1; // a closing handshake on a dead link can take long: do not wait
      socket.close();
      lost(1006);
    }
  }, 1000);

  setLink("connecting");
  accept(JSON.parse(document.getElementById("projector-initial").textContent));
  connect();
})();
