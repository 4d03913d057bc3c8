/* The landing page's try-it box: log in, see the latest cases and the live feed. Stands alone (the
   screens' common.js would send a visitor without a token to the login page). User text goes in as
   text; the feed opens with a short-lived ticket, never with the token in the URL. */
"use strict";
(function () {
  const $ = (s) => document.querySelector(s);
  const TYPES = ["CaseReported", "CaseAccepted", "CaseRejected", "CaseDispatched", "CaseClaimed", "CaseReturned", "CaseHandled", "CaseVerified",
    "CaseReworkRequested", "CaseClosed", "CaseRated", "CaseReopened", "ExtensionRequested", "ExtensionApproved", "ExtensionDenied"];
  let token = null, source = null, pause = 1000;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = String(text ?? "");
    if (cls) node.className = cls;
    return node;
  }

  function row(cells, head) {
    const tr = el("tr");
    for (const cell of cells) {
      const td = el(head ? "th" : "td");
      td.append(cell instanceof Node ? cell : document.createTextNode(String(cell ?? "")));
      tr.append(td);
    }
    return tr;
  }

  async function loadCases() {
    const r = await fetch("/api/v1/cases?limit=12", { headers: { Authorization: "Bearer " + token } });
    const page = await r.json();
    $("#cases").replaceChildren(row(["上报时间", "描述", "状态"], true), ...page.items.map((c) =>
      row([new Date(c.reported_at).toLocaleString("zh-CN"), c.description, el("span", c.status_label, "tag")])));
  }

  function show(ev) {
    const e = JSON.parse(ev.data);
    const li = el("li");
    li.append(el("span", e.type, "tag"), ` ${e.case_id} → ${e.status} `, el("span", new Date(e.at).toLocaleTimeString("zh-CN"), "muted"));
    $("#feed").prepend(li);
    loadCases();
  }

  async function connect() {
    if (source) source.close();
    const r = await fetch("/api/v1/stream/ticket", { method: "POST", headers: { Authorization: "Bearer " + token } });
    let url;
    if (r.ok) url = "/api/v1/stream?ticket=" + encodeURIComponent((await r.json()).ticket);
    else { setTimeout(connect, (pause = Math.min(pause * 2, 30000))); return; }
    source = new EventSource(url);
    source.onopen = () => { pause = 1000; };
    source.onerror = () => { source.close(); setTimeout(connect, (pause = Math.min(pause * 2, 30000))); };
    for (const t of TYPES) source.addEventListener(t, show);
  }

  $("#login").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const r = await fetch("/api/v1/auth/token", { method: "POST", body: new URLSearchParams(new FormData(ev.target)) });
    const body = await r.json();
    if (!r.ok) { $("#who").textContent = body.detail || "登录失败"; return; }
    token = body.access_token;
    $("#who").textContent = `已登录：${body.user.display_name}（${body.user.role_label}）`;
    await loadCases();
    connect();
  });
})();
