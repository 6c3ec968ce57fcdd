// The dashboard's script. It drives the page through the JSON admin API
// (README, "Admin API"); with -admin-token the token travels as the cookie
// that opening the page with ?token= set, so no request here names it.
//
// Everything shown comes from requests the emulator received, so it is
// untrusted: it reaches the page through textContent and attributes only,
// never as markup.
"use strict";

(() => {
  const POLL_MS = 1500;
  const $ = (id) => document.getElementById(id);

  document.documentElement.classList.add("js");

  // --- helpers -------------------------------------------------------------

  // el builds an element; string children become text nodes.
  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") n.className = v;
      else n.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      n.append(typeof c === "string" || typeof c === "number" ? String(c) : c);
    }
    return n;
  }

  // api calls the admin API and returns its JSON; a refusal throws the
  // API's own {"error": …} message.
  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    const resp = await fetch(path, init);
    const text = await resp.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!resp.ok) {
      let msg = (data && data.error) || `${resp.status} ${resp.statusText}`;
      if (resp.status === 401) msg = "the admin token is missing or wrong: open this page as /_fakeapi/?token=TOKEN";
      throw new Error(msg);
    }
    return data;
  }

  function say(id, text, isError) {
    const n = $(id);
    if (!n) return;
    n.textContent = text;
    n.classList.toggle("error", !!isError);
  }

  // run performs one user action, reporting its outcome next to its control.
  async function run(msgID, action, done) {
    say(msgID, "…");
    try {
      const result = await action();
      say(msgID, typeof done === "function" ? done(result) : done || "");
    } catch (err) {
      say(msgID, err.message, true);
    }
  }

  // clockText is an RFC 3339 time to the second, as the server renders it.
  const clockText = (s) => String(s).replace(/\.\d+(?=Z|[+-]\d\d:\d\d$)/, "");

  // timeOfDay is HH:MM:SS.mmm of an RFC 3339 time, in the emulator's zone
  // as the server renders it (not the browser's).
  function timeOfDay(s) {
    const m = /T(\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(String(s));
    return m ? `${m[1]}.${((m[2] || "") + "000").slice(0, 3)}` : String(s);
  }

  // --- requests --------------------------------------------------------------

  const journal = $("journal");
  const limit = Number(journal.dataset.limit) || 50;
  let entries = new Map(); // seq → entry of the last poll
  let shownKey = ""; // the seqs shown, to skip redrawing an unchanged table
  let newestSeq = -1;
  let selected = null; // the entry in the detail pane

  function statusCell(e) {
    return el("td", { class: `s${Math.floor(e.status / 100)}` }, String(e.status),
      e.fault ? " " : null, e.fault ? el("span", { class: "badge", title: `fault rule ${e.fault}` }, "fault") : null);
  }

  function entryRow(e, fresh) {
    return el("tr", { class: "entry" + (fresh ? " fresh" : "") + (selected && selected.seq === e.seq ? " selected" : ""), "data-seq": String(e.seq), tabindex: "0" },
      el("td", {}, String(e.seq)),
      el("td", {}, timeOfDay(e.time)),
      el("td", {}, e.provider),
      el("td", {}, e.method),
      el("td", {}, el("code", {}, el("span", { class: "muted" }, e.base || ""), e.path, e.query ? `?${e.query}` : "")),
      statusCell(e),
      el("td", {}, (e.durationMs || 0).toFixed(2)));
  }

  function drawJournal(list) {
    const key = list.map((e) => e.seq).join(",");
    entries = new Map(list.map((e) => [e.seq, e]));
    if (key === shownKey) return;
    shownKey = key;
    const body = journal.tBodies[0];
    const rows = list.map((e) => entryRow(e, newestSeq >= 0 && e.seq > newestSeq));
    if (rows.length === 0) rows.push(el("tr", { class: "empty" }, el("td", { colspan: "7", class: "muted" }, "no requests yet")));
    body.replaceChildren(...rows);
    for (const e of list) newestSeq = Math.max(newestSeq, e.seq);
  }

  async function pollJournal() {
    const provider = $("journal-provider").value;
    let q = `limit=${limit}`;
    if (provider) q += `&provider=${encodeURIComponent(provider)}`;
    const data = await api("GET", `/_fakeapi/journal?${q}`);
    drawJournal((data.entries || []).slice().reverse());
  }

  function kvRows(table, obj) {
    const keys = Object.keys(obj || {}).sort((a, b) => a.localeCompare(b));
    if (keys.length === 0) {
      table.replaceChildren(el("tr", {}, el("td", { class: "muted" }, "none")));
      return;
    }
    table.replaceChildren(...keys.map((k) => el("tr", {}, el("th", {}, k), el("td", {}, obj[k]))));
  }

  function header(obj, name) {
    const want = name.toLowerCase();
    for (const [k, v] of Object.entries(obj || {})) if (k.toLowerCase() === want) return v;
    return "";
  }

  // pretty indents a complete JSON body; anything else is shown as sent.
  function pretty(body, contentType, truncated) {
    if (!truncated && /json/i.test(contentType)) {
      try {
        return JSON.stringify(JSON.parse(body), null, 2);
      } catch {
        // not JSON after all: show it as it is
      }
    }
    return body;
  }

  function showBody(preID, noteID, body, contentType, truncated) {
    const pre = $(preID);
    if (!body) {
      pre.textContent = "(none recorded)";
      pre.classList.add("muted");
    } else {
      pre.textContent = pretty(body, contentType, truncated);
      pre.classList.remove("muted");
    }
    $(noteID).textContent = body && truncated ? "(cut at the journal's limit)" : "";
  }

  function showDetail(e) {
    selected = e;
    for (const tr of journal.querySelectorAll("tr.entry")) tr.classList.toggle("selected", Number(tr.dataset.seq) === e.seq);
    $("detail-title").textContent = `${e.method} ${e.base || ""}${e.path}${e.query ? "?" + e.query : ""} → ${e.status}`;
    const meta = [["seq", e.seq], ["time", e.time], ["provider", e.provider], ["host", e.host], ["request id", e.requestId],
      ["duration", `${(e.durationMs || 0).toFixed(3)} ms`], ["bytes", e.bytes]];
    if (e.fault) meta.push(["fault rule", e.fault]);
    $("detail-meta").replaceChildren(...meta.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v ?? ""))]));
    kvRows($("detail-request-headers"), e.headers);
    kvRows($("detail-response-headers"), e.responseHeaders);
    showBody("detail-request-body", "detail-request-note", e.requestBody, header(e.headers, "Content-Type"), e.bodyTruncated);
    showBody("detail-response-body", "detail-response-note", e.responseBody, header(e.responseHeaders, "Content-Type"), e.bodyTruncated);
    $("detail").hidden = false;
    journal.parentElement.classList.add("open");
  }

  function closeDetail() {
    selected = null;
    $("detail").hidden = true;
    journal.parentElement.classList.remove("open");
    for (const tr of journal.querySelectorAll("tr.selected")) tr.classList.remove("selected");
  }

  function openRow(tr) {
    const e = entries.get(Number(tr.dataset.seq));
    if (e) showDetail(e);
  }

  journal.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr.entry");
    if (tr) openRow(tr);
  });
  journal.addEventListener("keydown", (ev) => {
    const tr = ev.target.closest("tr.entry");
    if (tr && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      openRow(tr);
    }
  });
  $("detail-close").addEventListener("click", closeDetail);
  $("detail-fault").addEventListener("click", () => {
    if (!selected) return;
    $("fault-provider").value = selected.provider;
    $("fault-method").value = selected.method;
    $("fault-path").value = selected.path;
    if (!$("fault-status").value) $("fault-status").value = "503";
    $("faults-panel").scrollIntoView();
    $("fault-status").focus();
  });
  $("journal-provider").addEventListener("change", () => {
    shownKey = "";
    newestSeq = -1;
    pollJournal().catch((err) => say("journal-msg", err.message, true));
  });
  $("journal-clear").addEventListener("click", () =>
    run("journal-msg", async () => {
      await api("DELETE", "/_fakeapi/journal");
      closeDetail();
      await pollJournal();
    }, "journal cleared"));

  // --- providers and accounts ------------------------------------------------

  // The provider and account tables are the server's rendering: the script
  // re-reads the page and swaps in the tables that changed, so the counts and
  // the accounts stay live without a second renderer here. DOMParser's
  // document is inert (its scripts never run).
  const panels = ["providers", "accounts"];
  const panelHTML = new Map(panels.map((id) => [id, $(id).outerHTML]));

  async function pollPanels() {
    const resp = await fetch("/_fakeapi/", { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!resp.ok) throw new Error(`dashboard: ${resp.status} ${resp.statusText}`);
    const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    for (const id of panels) {
      const fresh = doc.getElementById(id);
      if (!fresh || fresh.outerHTML === panelHTML.get(id)) continue;
      panelHTML.set(id, fresh.outerHTML);
      $(id).replaceWith(document.importNode(fresh, true));
    }
  }

  // Reset buttons are forms, so they work without the script too; here they
  // post without leaving the page.
  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!form.classList.contains("reset")) return;
    ev.preventDefault();
    const which = new URL(form.action).searchParams.get("provider");
    run("reset-msg", async () => {
      await api("POST", form.getAttribute("action"));
      await pollPanels();
    }, `${which || "every provider"} reset to the fixtures`);
  });

  // Copy buttons: the clipboard API where the page is a secure context
  // (localhost, 127.0.0.1), else the selection-and-copy fallback.
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const area = el("textarea", { readonly: true, class: "offscreen" });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) throw new Error("copy refused");
  }

  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button.copy");
    if (!btn) return;
    const label = "copy";
    copyText(btn.dataset.copy).then(
      () => { btn.textContent = "copied"; },
      () => { btn.textContent = "select it and copy"; },
    ).finally(() => setTimeout(() => { btn.textContent = label; }, 1500));
  });

  // --- clock ------------------------------------------------------------------

  let autoSet = "";

  function drawClock(c) {
    $("clock").textContent = clockText(c.now);
    $("clock").setAttribute("datetime", c.now);
    $("clock-offset").textContent = c.offset;
    $("clock-frozen").hidden = !c.frozen;
    const btn = $("clock-freeze");
    btn.textContent = c.frozen ? "Unfreeze" : "Freeze";
    btn.setAttribute("aria-pressed", String(c.frozen));
    // The set field starts at the emulator's time, to be edited; it follows
    // the clock until someone types in it.
    const set = $("clock-set");
    if (document.activeElement !== set && (set.value === "" || set.value === autoSet)) {
      autoSet = clockText(c.now);
      set.value = autoSet;
    }
  }

  function moveClock(body, what) {
    return run("clock-msg", async () => {
      const c = await api("POST", "/_fakeapi/clock", body);
      drawClock(c);
      return c;
    }, (c) => `${what}: now ${clockText(c.now)}`);
  }

  $("clock-advance-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const d = $("clock-advance").value.trim();
    moveClock({ advance: d }, `advanced by ${d}`);
  });
  for (const b of document.querySelectorAll("button.clock-quick")) {
    b.addEventListener("click", () => moveClock({ advance: b.dataset.advance }, `advanced by ${b.dataset.advance}`));
  }
  $("clock-set-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    moveClock({ set: $("clock-set").value.trim() }, "set");
  });
  $("clock-freeze").addEventListener("click", () => {
    const freeze = $("clock-freeze").getAttribute("aria-pressed") !== "true";
    moveClock({ freeze }, freeze ? "frozen" : "running again");
  });

  async function pollClock() {
    drawClock(await api("GET", "/_fakeapi/clock"));
  }

  // --- fault rules ------------------------------------------------------------

  function faultRow(r) {
    const does = [r.status ? `answer ${r.status}` : "", r.latency ? `wait ${r.latency}` : "", r.drop ? "drop" : ""].filter(Boolean).join(" ");
    return el("tr", { class: "fault", "data-id": r.id },
      el("td", {}, el("code", {}, r.id)),
      el("td", {}, r.provider || "any"),
      el("td", {}, r.method || "any"),
      el("td", {}, el("code", {}, r.path || "*")),
      el("td", {}, does),
      el("td", {}, r.times ? String(r.times) : "until deleted"),
      el("td", {}, r.probability ? String(r.probability) : "always"),
      el("td", {}, String(r.fired || 0)),
      el("td", {}, el("button", { type: "button", class: "fault-delete js-only", "data-id": r.id }, "delete")));
  }

  let faultsKey = null;

  function drawFaults(rules) {
    $("fault-count").textContent = String(rules.length);
    const key = JSON.stringify(rules);
    if (key === faultsKey) return;
    faultsKey = key;
    const rows = rules.map(faultRow);
    if (rows.length === 0) rows.push(el("tr", { class: "empty" }, el("td", { colspan: "9", class: "muted" }, "no fault rules")));
    $("faults").tBodies[0].replaceChildren(...rows);
  }

  async function pollFaults() {
    const data = await api("GET", "/_fakeapi/faults");
    drawFaults(data.faults || []);
  }

  $("fault-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const rule = {};
    const text = (id) => $(id).value.trim();
    if (text("fault-provider")) rule.provider = text("fault-provider");
    if (text("fault-method")) rule.method = text("fault-method");
    if (text("fault-path")) rule.path = text("fault-path");
    if (text("fault-status")) rule.status = Number(text("fault-status"));
    if (text("fault-latency")) rule.latency = text("fault-latency");
    if ($("fault-drop").checked) rule.drop = true;
    if (text("fault-times")) rule.times = Number(text("fault-times"));
    if (text("fault-probability")) rule.probability = Number(text("fault-probability"));
    run("fault-msg", async () => {
      const added = await api("POST", "/_fakeapi/faults", rule);
      await pollFaults();
      return added;
    }, (added) => `rule ${added.id} added`);
  });

  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button.fault-delete");
    if (!btn) return;
    const id = btn.dataset.id;
    run("fault-msg", async () => {
      await api("DELETE", `/_fakeapi/faults/${encodeURIComponent(id)}`);
      await pollFaults();
    }, `rule ${id} deleted`);
  });
  $("faults-clear").addEventListener("click", () =>
    run("fault-msg", async () => {
      await api("DELETE", "/_fakeapi/faults");
      await pollFaults();
    }, "every rule deleted"));

  // --- state ------------------------------------------------------------------

  $("state-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const file = $("state-file").files[0];
    if (!file) {
      say("state-msg", "choose a state file first", true);
      return;
    }
    run("state-msg", async () => {
      await api("PUT", "/_fakeapi/state", await file.text());
      await pollPanels();
    }, `${file.name} imported`);
  });

  // --- live refresh -------------------------------------------------------------

  async function tick() {
    if (!document.hidden) {
      try {
        await Promise.all([pollJournal(), pollClock(), pollFaults(), pollPanels()]);
        $("live").textContent = `live · ${new Date().toLocaleTimeString()}`;
        $("live").classList.remove("error");
      } catch (err) {
        $("live").textContent = `not live: ${err.message}`;
        $("live").classList.add("error");
      }
    }
    setTimeout(tick, POLL_MS);
  }

  tick();
})();
