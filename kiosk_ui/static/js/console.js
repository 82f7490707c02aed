// The secretariat console: every action is a <form data-api="…"> sent to the JSON API
// with the page's CSRF token. No framework, no inline script, nothing from another origin.
//
// Form attributes:
//   data-api="/api/…/{field}"   URL; {field} is filled from an input marked data-path
//   data-method="POST"          HTTP method (default POST)
//   data-multipart              send the inputs as multipart/form-data (file uploads)
//   data-download               the answer is a file: save it
//   data-confirm="…"            ask before sending
//   data-ok="… {a.b} …"         message on success, {a.b} filled from the JSON answer
//   data-then="reload" | "/url/{id}" | "mark" | "reset"   what to do after success
// Polling: <div data-poll="/api/…" data-state="…"> reloads the page when the answer's state
// changes; inside it, [data-field="a.b"] shows a value, and with data-reload a change of
// that value reloads the page too.
// Input attributes: data-type="int" | "lines" | "json-merge", data-optional (omit if
// empty), data-path (goes into the URL, not the body), data-match="#other" (must equal).
"use strict";

(function () {
  const csrf = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  const pick = (obj, path) => path.split(".").reduce(
    (value, key) => (value == null ? undefined : value[key]), obj);

  const fill = (template, data, encode) => template.replace(/\{([\w.]+)\}/g, (whole, key) => {
    const value = pick(data, key);
    if (value === undefined || value === null) return whole;
    const text = Array.isArray(value) ? value.join(", ") : String(value);
    return encode ? encodeURIComponent(text) : text;
  });

  const show = (form, text, kind) => {
    let out = form.querySelector("output.result");
    if (!out) {
      out = document.createElement("output");
      out.className = "result";
      form.appendChild(out);
    }
    out.textContent = text;
    out.dataset.kind = kind;
  };

  function errorText(answer, status) {
    const error = answer && answer.error;
    if (!error) return `HTTP ${status}`;
    const lines = [error.message || error.code];
    const details = error.details || {};
    const zh = document.documentElement.lang !== "en";
    for (const row of details.rows || []) {
      const where = row.line ? `#${row.line}` : "";
      lines.push(`${where} ${row.field}: ${zh ? row.reason_zh : row.reason_en}`);
    }
    for (const err of details.errors || []) {
      lines.push(`${(err.loc || []).slice(1).join(".")}: ${err.msg}`);
    }
    if (details.reason && !lines[0].includes(details.reason)) lines.push(details.reason);
    return lines.join("\n");
  }

  function readBody(form) {
    const body = {};
    let path = {};
    for (const input of form.querySelectorAll("input, select, textarea")) {
      if (!input.name || input.disabled || input.type === "file") continue;
      if (input.closest("[hidden]")) continue;
      if (input.dataset.match) {
        const other = form.querySelector(input.dataset.match);
        if (other && other.value !== input.value) throw new Error(form.dataset.mismatch || "≠");
        continue;
      }
      let value = input.type === "checkbox" ? input.checked : input.value.trim();
      if (input.dataset.path !== undefined) { path[input.name] = value; continue; }
      if (value === "" && input.dataset.optional !== undefined) continue;
      const type = input.dataset.type;
      if (type === "int") value = value === "" ? null : Number.parseInt(value, 10);
      else if (type === "lines") value = value.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
      else if (type === "json-merge") {
        if (value !== "") Object.assign(body, JSON.parse(value));
        continue;
      } else if (input.type === "password") value = input.value;
      body[input.name] = value;
    }
    return { body, path };
  }

  function voteFormFixups(form, body) {
    // A selection drawn from a candidate list takes the list's names as its options.
    if (body.kind !== "selection") return;
    const list = form.querySelector('select[name="candidate_list_id"]');
    if (list && list.value && (!body.options || body.options.length === 0)) {
      const option = list.selectedOptions[0];
      body.options = JSON.parse(option.dataset.options || "[]");
    }
  }

  async function send(form) {
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    let body, path;
    try {
      ({ body, path } = readBody(form));
    } catch (err) {
      show(form, err.message, "error");
      return;
    }
    if (form.hasAttribute("data-vote-form")) voteFormFixups(form, body);
    const url = fill(form.dataset.api, path, true);
    const init = {
      method: form.dataset.method || "POST",
      credentials: "same-origin",
      headers: { "x-csrf-token": csrf(), accept: "application/json" },
    };
    if (form.hasAttribute("data-multipart")) {
      init.body = new FormData(form);
    } else if (init.method !== "GET") {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    show(form, form.dataset.busy || "…", "busy");
    try {
      const response = await fetch(url, init);
      if (form.hasAttribute("data-download") && response.ok) {
        const blob = await response.blob();
        const disposition = response.headers.get("content-disposition") || "";
        const match = /filename="([^"]+)"/.exec(disposition);
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = match ? match[1] : "download";
        document.body.appendChild(link);
        link.click();
        link.remove();
        show(form, fill(form.dataset.ok || "✓", body), "ok");
        if (form.dataset.then === "reload") setTimeout(() => window.location.reload(), 1500);
        return;
      }
      const text = await response.text();
      let answer = null;
      try { answer = text ? JSON.parse(text) : null; } catch (err) { answer = null; }
      if (!response.ok) {
        show(form, errorText(answer, response.status), "error");
        return;
      }
      show(form, fill(form.dataset.ok || "✓", answer || {}), "ok");
      after(form, answer || {});
    } catch (err) {
      show(form, String(err), "error");
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  function after(form, answer) {
    const then = form.dataset.then || "";
    if (then === "reload") {
      window.location.reload();
    } else if (then === "mark") {
      const row = form.closest("tr");
      if (row) row.classList.add("present");
      form.replaceWith(document.createTextNode(form.dataset.marked || "✓"));
      const counter = document.getElementById("present-count");
      if (counter) counter.textContent = String(Number(counter.textContent) + 1);
    } else if (then === "reset") {
      for (const input of form.querySelectorAll("input:not([type=hidden]):not([data-path])")) {
        input.value = "";
      }
      const first = form.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    } else if (then.startsWith("/")) {
      window.location.assign(fill(then, answer));
    }
  }

  function wireKindSwitch(form) {
    const select = form.querySelector('select[name="kind"]');
    if (!select) return;
    const update = () => {
      for (const part of form.querySelectorAll("[data-kind-only]")) {
        const on = part.dataset.kindOnly.split(" ").includes(select.value);
        part.hidden = !on;
        for (const input of part.querySelectorAll("input, select, textarea")) input.disabled = !on;
      }
    };
    select.addEventListener("change", update);
    update();
  }

  function wireFilter(input) {
    const table = document.querySelector(input.dataset.filter);
    if (!table) return;
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      for (const row of table.tBodies[0].rows) {
        row.hidden = needle !== "" && !row.textContent.toLowerCase().includes(needle);
      }
    });
  }

  function wirePoll(section) {
    const interval = Number(section.dataset.pollInterval || 3000);
    const tick = async () => {
      try {
        const response = await fetch(section.dataset.poll, {
          credentials: "same-origin", headers: { accept: "application/json" } });
        if (response.ok) {
          const data = await response.json();
          if (section.dataset.state && data.state && data.state !== section.dataset.state) {
            window.location.reload();
            return;
          }
          for (const el of section.querySelectorAll("[data-field]")) {
            const value = pick(data, el.dataset.field);
            const text = Array.isArray(value) ? (value.join(", ") || "—") : String(value);
            if (el.hasAttribute("data-reload") && text !== el.textContent.trim()) {
              window.location.reload();  // e.g. a signature came in: the next step may open
              return;
            }
            el.textContent = text;
          }
        }
      } catch (err) { /* the next tick tries again */ }
      setTimeout(tick, interval);
    };
    setTimeout(tick, interval);
  }

  function wireEnroll(form) {
    // The enrollment link carries the code after "#": it never reaches a server log.
    const code = window.location.hash.slice(1);
    const input = form.querySelector('input[name="code"]');
    if (code && input) input.value = decodeURIComponent(code);
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-api]")) {
      form.addEventListener("submit", (event) => { event.preventDefault(); send(form); });
      wireKindSwitch(form);
      if (form.hasAttribute("data-enroll")) wireEnroll(form);
    }
    for (const input of document.querySelectorAll("input[data-filter]")) wireFilter(input);
    for (const section of document.querySelectorAll("[data-poll]")) wirePoll(section);
    const focus = document.querySelector("[data-autofocus]");
    if (focus) focus.focus();
  });
})();
