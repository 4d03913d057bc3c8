/* gridgov screens: what every page shares — the API client with the user's token, role-aware
   navigation, words in the page's language, photos behind the token, and the case action forms. */
"use strict";
(function () {
  /* The page's words, name and tile server come in a JSON data block (<script type="application/json">),
     which the browser never runs: the pages' Content-Security-Policy allows no inline script. */
  const bootNode = document.getElementById("gg-boot");
  const boot = bootNode ? JSON.parse(bootNode.textContent) : {};
  const T = (window.T = boot.T || { words: {}, actions: {}, statuses: {}, majors: {}, roles: {}, channels: {} });
  window.PAGE = boot.page || "";
  window.TILE_URL = boot.tile_url || "";
  const GG = (window.GG = {});

  GG.w = (key, vars) => {
    let text = T.words[key] || key;
    // a function as replacement: a value with "$&" or "$'" in it (typed by a user) is put in as it is
    for (const [k, v] of Object.entries(vars || {})) text = text.replace("{" + k + "}", () => String(v));
    return text;
  };

  /* Text typed by people (descriptions, addresses, names, reasons) goes into pages as text, never as
     markup. GG.el's children and `text` do that; these two are for the libraries that take markup:
     a Leaflet tooltip gets a DOM node (GG.textNode), and anything that must be an HTML string is
     escaped first (GG.escape). */
  GG.escape = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  GG.textNode = (...lines) => {
    const node = document.createElement("div");
    lines.forEach((line, i) => {
      if (i) node.append(document.createElement("br"));
      node.append(document.createTextNode(String(line ?? "")));
    });
    return node;
  };
  GG.statusLabel = (s) => T.statuses[s] || s;
  GG.actionLabel = (a) => T.actions[a] || a;
  GG.english = () => document.documentElement.lang !== "zh-CN";
  /* a category in the page's language: the table's English name where the page is English */
  GG.categoryName = (c) => (c ? (GG.english() && c.name_en) || c.name || c.code : "—");
  GG.categoryLabel = (c) => `${T.majors[c.major] || c.major}/${GG.categoryName(c)}`;
  GG.channelLabel = (ch) => T.channels[ch] || ch;
  GG.roleLabel = (user) => T.roles[user.role] || user.role_label || user.role;
  GG.token = () => localStorage.getItem("gg_token");
  GG.user = () => JSON.parse(localStorage.getItem("gg_user") || "null");

  GG.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  GG.fmtTime = function (iso) {
    if (!iso) return "";
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  /* minutes as "2天3小时" / "2 d 3 h" */
  GG.duration = function (minutes) {
    const zh = document.documentElement.lang === "zh-CN";
    const d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    const parts = zh ? [[d, "天"], [h, "小时"], [m, "分钟"]] : [[d, " d"], [h, " h"], [m, " min"]];
    const shown = parts.filter(([n]) => n > 0).slice(0, 2);
    return shown.length ? shown.map(([n, u]) => n + u).join(zh ? "" : " ") : zh ? "0分钟" : "0 min";
  };

  GG.goLogin = function () {
    location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
  };

  /* fetch JSON from the API with the bearer token; a problem+json answer becomes an Error with its detail */
  GG.api = async function (path, opts = {}) {
    const headers = Object.assign({}, opts.headers || {});
    if (GG.token()) headers.Authorization = "Bearer " + GG.token();
    let body = opts.body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    const r = await fetch(path, { method: opts.method || (body ? "POST" : "GET"), headers, body });
    if (r.status === 401 && !opts.noRedirect) {
      localStorage.removeItem("gg_token");
      GG.goLogin();
      throw new Error("not logged in");
    }
    const type = r.headers.get("content-type") || "";
    const data = type.includes("json") ? await r.json() : await r.text();
    if (!r.ok) {
      const err = new Error((data && data.detail) || r.statusText);
      err.status = r.status;
      err.problem = data;
      throw err;
    }
    return data;
  };

  /* what the user may do comes from the API (policy.py via /auth/me), never from a copy of the role sets */
  GG.may = (user, permission) => Boolean(user && (user.permissions || []).includes(permission));

  GG.home = function (user) {
    if (user.role === "leader") return "/wall";
    if (GG.may(user, "view_triage")) return "/desk";
    if (user.unit_id) return "/m/inbox";
    return "/m/report";
  };

  /* where a login may send the user on: a path of this site only. Resolved the way the browser will
     resolve it, so "/\\evil.example", "/\t/evil.example" or "javascript:…" lead nowhere else. */
  GG.sameOrigin = function (next) {
    if (!next || !next.startsWith("/")) return null;
    let url;
    try { url = new URL(next, location.origin); } catch (e) { return null; }
    return url.origin === location.origin ? url.pathname + url.search + url.hash : null;
  };

  GG.loginPage = function () {
    const form = document.getElementById("login");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const error = document.getElementById("login-error");
      error.hidden = true;
      try {
        const data = await GG.api("/api/v1/auth/token", { body: new URLSearchParams(new FormData(form)), noRedirect: true });
        localStorage.setItem("gg_token", data.access_token);
        localStorage.setItem("gg_user", JSON.stringify(data.user));
        location.href = GG.sameOrigin(new URLSearchParams(location.search).get("next")) || GG.home(data.user);
      } catch (e) {
        error.hidden = false;
        error.textContent = e.status === 401 ? GG.w("wrong_login") : e.message;
      }
    });
  };

  function navLinks(user) {
    const links = [];
    if (GG.may(user, "view_stats")) links.push(["/wall", "wall"]);
    if (GG.may(user, "view_triage")) links.push(["/desk", "desk"]);
    if (user.unit_id) links.push(["/m/inbox", "inbox"]);
    if (user.role === "grid_worker") links.push(["/m/report", "report"], ["/m/mine", "mine"], ["/desk", "desk"]);
    if (user.role === "resident") links.push(["/m/report", "report"], ["/m/mine", "mine"]);
    return links;
  }

  /* every page but login: a token is needed; the header shows who is logged in and where they may go */
  let shownUser = null;
  GG.requireLogin = function () {
    if (window.PAGE === "login") return null;
    if (shownUser) return shownUser;
    const user = GG.user();
    if (!GG.token() || !user) {
      GG.goLogin();
      return null;
    }
    if (!user.permissions) {
      // signed in before the API said what each account may do: ask once, then draw the page again
      GG.api("/api/v1/auth/me").then((me) => { localStorage.setItem("gg_user", JSON.stringify(me)); location.reload(); });
      return null;
    }
    const nav = document.getElementById("nav");
    if (nav) {
      for (const [href, key] of navLinks(user)) {
        nav.append(GG.el("a", { href, "aria-current": location.pathname === href ? "page" : null, text: GG.w(key) }));
      }
    }
    const who = document.getElementById("who");
    if (who) who.textContent = `${user.display_name} · ${GG.roleLabel(user)}`;
    const logout = document.getElementById("logout");
    if (logout) {
      logout.hidden = false;
      logout.addEventListener("click", () => {
        localStorage.removeItem("gg_token");
        localStorage.removeItem("gg_user");
        location.href = "/login";
      });
    }
    shownUser = user;
    return user;
  };

  /* photos need the token, so they are fetched and shown from a blob */
  GG.photo = function (id, alt) {
    const img = GG.el("img", { alt: alt || GG.w("photo"), class: "photo", loading: "lazy" });
    fetch("/api/v1/photos/" + id, { headers: { Authorization: "Bearer " + GG.token() } })
      .then((r) => (r.ok ? r.blob() : null))
      .then((blob) => {
        if (blob) img.src = URL.createObjectURL(blob);
      });
    return img;
  };

  GG.uploadPhotos = async function (files) {
    const ids = [];
    for (const file of files) {
      const form = new FormData();
      form.append("file", file);
      ids.push((await GG.api("/api/v1/photos", { body: form })).id);
    }
    return ids;
  };

  let unitsCache = null;
  let gridsCache = null;
  /* the grid tree as GeoJSON, fetched once per page */
  GG.grids = function () {
    if (!gridsCache) {
      gridsCache = GG.api("/api/v1/grids/geojson");
      gridsCache.catch(() => { gridsCache = null; });  // a failed fetch is tried again next time
    }
    return gridsCache;
  };

  let categoriesCache = null;
  /* the category table, fetched once per page */
  GG.categories = function () {
    if (!categoriesCache) {
      categoriesCache = GG.api("/api/v1/categories");
      categoriesCache.catch(() => { categoriesCache = null; });
    }
    return categoriesCache;
  };

  GG.units = async function () {
    if (!unitsCache) unitsCache = await GG.api("/api/v1/units");
    return unitsCache;
  };

  /* A photo input that reads in the page's language: the browser's own file button says "Choose Files"
     whatever the page speaks, so the input is hidden (still focusable, still labelled) behind a button-
     styled label, with the number of photos chosen beside it. */
  GG.photoPicker = function (input) {
    input.classList.add("file-input");
    const count = GG.el("span", { class: "count small", "aria-live": "polite" });
    input.addEventListener("change", () => { count.textContent = input.files.length ? GG.w("photos_chosen", { n: input.files.length }) : ""; });
    const wrap = GG.el("div", { class: "file-pick" });
    if (input.parentNode) input.replaceWith(wrap);
    wrap.append(input, GG.el("label", { for: input.id, class: "pick", text: GG.w("choose_photos") }), count);
    return wrap;
  };

  function field(label, input) {
    const id = "f-" + Math.random().toString(36).slice(2, 8);
    input.id = id;
    return [GG.el("label", { for: id, text: label }), input];
  }

  /* The form one action needs; submits with the case version the user saw. */
  GG.actionForm = async function (item, action, onDone) {
    const form = GG.el("form", { class: "action-form stack", "data-action": action });
    const parts = [];
    const textarea = (name, required) => GG.el("textarea", { name, rows: 3, maxlength: 500, required });
    if (action === "dispatch") {
      const select = GG.el("select", { name: "unit_id", required: true });
      for (const u of await GG.units()) if (u.active !== false) select.append(GG.el("option", { value: u.id, text: u.name }));
      parts.push(field(GG.w("dispatch_to"), select), field(GG.w("time_limit"), GG.el("input", { name: "time_limit", maxlength: 16 })));
    } else if (action === "handle" || action === "handle_on_spot") {
      parts.push(field(GG.w("result"), textarea("result", true)));
      const photos = GG.el("input", { name: "photos", type: "file", accept: "image/*", multiple: true });
      const [label] = field(GG.w("photo"), photos);
      parts.push([label, GG.photoPicker(photos)]);
    } else if (action === "verify") {
      const select = GG.el("select", { name: "passed" },
        GG.el("option", { value: "true", text: GG.w("passed") }), GG.el("option", { value: "false", text: GG.w("failed_rework") }));
      parts.push(field(GG.w("actions"), select), field(GG.w("note"), textarea("reason", false)));
    } else if (action === "rate") {
      const select = GG.el("select", { name: "score" });
      for (let s = 5; s >= 1; s--) select.append(GG.el("option", { value: s, text: "★".repeat(s) + "☆".repeat(5 - s) }));
      parts.push(field(GG.w("score"), select), field(GG.w("comment"), textarea("comment", false)));
    } else if (["reject", "return", "reopen", "rework", "deny_extension", "deny_suspension", "request_suspension"].includes(action)) {
      parts.push(field(GG.w("reason"), textarea("reason", true)));
    } else if (action === "request_extension") {
      parts.push(field(GG.w("due"), GG.el("input", { name: "requested_due", type: "datetime-local", required: true })));
      parts.push(field(GG.w("reason"), textarea("reason", true)));
    } else if (action === "supervise") {
      parts.push(field(GG.w("note"), textarea("note", true)));
    }
    const error = GG.el("p", { class: "error", role: "alert", hidden: true });
    form.append(...parts.flat(), error,
      GG.el("div", { class: "row" },
        GG.el("button", { type: "submit", class: "primary", text: GG.actionLabel(action) }),
        GG.el("button", { type: "button", class: "secondary", text: GG.w("cancel"), onclick: () => form.remove() })));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = { version: item.version };
      const data = new FormData(form);
      for (const [k, v] of data.entries()) {
        if (v instanceof File || v === "") continue;
        body[k] = k === "score" ? Number(v) : k === "passed" ? v === "true" : k === "requested_due" ? new Date(v).toISOString() : v;
      }
      const files = form.querySelector("input[type=file]");
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        if (files && files.files.length) body.photos = await GG.uploadPhotos(files.files);
        const updated = await GG.api(`/api/v1/cases/${item.id}/actions/${action}`, { json: body });
        onDone(updated);
      } catch (e) {
        error.hidden = false;
        error.textContent = e.message;
        button.disabled = false;
      }
    });
    return form;
  };

  GG.statusChip = (status) => GG.el("span", { class: "chip status-" + status, text: GG.statusLabel(status) });

  /* a Leaflet map of the grid polygons; no tiles unless the deployment set map_tile_url */
  GG.gridMap = async function (node, opts = {}) {
    const map = L.map(node, { zoomControl: opts.zoomControl !== false, attributionControl: !!window.TILE_URL, preferCanvas: true, zoomSnap: 0.25 });
    if (window.TILE_URL) L.tileLayer(window.TILE_URL, { maxZoom: 19 }).addTo(map);
    const geo = await GG.api("/api/v1/grids/geojson");
    const level = opts.level || "grid";
    const layer = L.geoJSON(geo, {
      filter: (f) => f.properties.level === level || (opts.outline && f.properties.level === "street"),
      style: () => opts.style || { color: "#4a90c2", weight: 1, fillOpacity: 0.08 },
    }).addTo(map);
    node.dataset.polygons = layer.getLayers().length;
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
    return { map, layer, geo };
  };

  /* The live feed (SSE). The token never goes into the URL (URLs end up in access logs and proxies):
     each (re)connect first asks for a short-lived ticket with the bearer token in the header, and
     opens the stream with that. On error the stream is closed and reopened with a fresh ticket after
     a growing pause (1 s, 2 s, 4 s … 30 s), since a ticket cannot be reused by the browser's own
     retry. `handlers` maps event types to functions; `onOpen`, `onDown` and `onReconnect` (called
     after a reconnect, when events may have been missed) are optional. */
  GG.liveFeed = function (handlers, opts = {}) {
    let source = null, pause = 1000, retry = null, opened = false, stopped = false;
    async function streamUrl() {
      const r = await fetch("/api/v1/stream/ticket", { method: "POST", headers: { Authorization: "Bearer " + GG.token() } });
      if (r.status === 401) { GG.goLogin(); throw new Error("not logged in"); }
      if (!r.ok) throw new Error("no ticket: " + r.status);
      return "/api/v1/stream?ticket=" + encodeURIComponent((await r.json()).ticket);
    }
    function again() {
      if (opts.onDown) opts.onDown();
      if (stopped || retry) return;
      retry = setTimeout(() => { retry = null; connect(); }, pause);
      pause = Math.min(pause * 2, 30000);
    }
    async function connect() {
      if (source) source.close();
      source = null;
      let url;
      try { url = await streamUrl(); } catch (e) { again(); return; }
      if (stopped) return;
      source = new EventSource(url);
      source.onopen = () => {
        pause = 1000;
        if (opts.onOpen) opts.onOpen();
        if (opened && opts.onReconnect) opts.onReconnect();
        opened = true;
      };
      source.onerror = () => { source.close(); again(); };
      for (const [type, fn] of Object.entries(handlers)) source.addEventListener(type, fn);
    }
    connect();
    return { close() { stopped = true; clearTimeout(retry); if (source) source.close(); } };
  };

  document.addEventListener("DOMContentLoaded", () => {
    if (window.PAGE === "login") GG.loginPage();
    else GG.requireLogin();
  });
})();
