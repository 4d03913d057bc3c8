/* The dispatch desk (调度台): the triage queue and the case list on the left, the chosen case on the
   right with its timeline, photos, map, routing reason and exactly the actions the user's role allows. */
"use strict";
(async function () {
  const user = GG.requireLogin();
  if (!user) return;
  const { el, w } = GG;
  const list = document.getElementById("case-list");
  const detail = document.getElementById("detail");
  const filters = document.getElementById("filters");
  const center = GG.may(user, "view_triage");
  let mode = center ? "triage" : "cases";
  let categories = [];
  let selected = null;

  const status = document.getElementById("f-status");
  for (const [code, label] of Object.entries(window.T.statuses)) status.append(el("option", { value: code, text: label }));
  try {
    categories = await GG.categories();
    const select = document.getElementById("f-category");
    for (const c of categories) select.append(el("option", { value: c.code, text: GG.categoryLabel(c) }));
  } catch (e) { /* the list still works without category names */ }
  // names for codes (units, rules, grids, categories); a role that may not list units sees their ids
  const names = await GG.names();
  const unitName = (id) => names.unit[id] || id;
  const categoryName = (code) => (code ? GG.categoryName(categories.find((c) => c.code === code) || { code }) : "—");

  function tab(which) {
    mode = which;
    document.getElementById("tab-triage").setAttribute("aria-selected", which === "triage");
    document.getElementById("tab-cases").setAttribute("aria-selected", which === "cases");
    filters.hidden = which !== "cases";
    load();
  }
  document.getElementById("tab-triage").addEventListener("click", () => tab("triage"));
  document.getElementById("tab-cases").addEventListener("click", () => tab("cases"));
  if (!center) document.getElementById("tab-triage").hidden = true;
  let typing = null;
  filters.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(load, 250); });
  filters.addEventListener("submit", (ev) => ev.preventDefault());

  function row(c) {
    const item = el("li", { class: "case-row" + (selected === c.id ? " selected" : "") + (c.overdue ? " overdue" : ""), "data-case": c.id },
      el("button", { type: "button", onclick: () => open(c.id) },
        el("span", { class: "grade g" + c.grade, text: c.grade }),
        el("span", { class: "desc", text: c.description.slice(0, 70) }),
        el("span", { class: "meta" }, GG.statusChip(c.status), " ", categoryName(c.category), " · ", GG.fmtTime(c.reported_at),
          c.triage_reason ? el("span", { class: "reason", text: " · " + GG.reasonsLabel(c.triage && c.triage.reasons, c.triage_reason, names) }) : null)));
    return item;
  }

  async function load() {
    if (mode === "triage") {
      const items = await GG.api("/api/v1/triage?limit=100");
      document.getElementById("triage-count").textContent = items.length;
      list.replaceChildren(...items.map(row));
    } else {
      const params = new URLSearchParams({ limit: 100 });
      const data = new FormData(filters);
      for (const k of ["q", "status", "category"]) if (data.get(k)) params.set(k, data.get(k));
      const page = await GG.api("/api/v1/cases?" + params);
      const shown = (items) => (data.get("overdue") ? items.filter((c) => c.overdue) : items);
      list.replaceChildren(...shown(page.items).map(row));
      let cursor = page.next_cursor;
      if (cursor) {
        const more = el("li", { class: "more" }, el("button", { type: "button", class: "secondary", text: w("more"), onclick: async () => {
          params.set("cursor", cursor);
          const next = await GG.api("/api/v1/cases?" + params);
          more.before(...shown(next.items).map(row));
          cursor = next.next_cursor;
          if (!cursor) more.remove();
        } }));
        list.append(more);
      }
    }
    if (!list.children.length) list.append(el("li", { class: "muted", text: w("nothing") }));
  }

  function routingReason(c) {
    const triaged = (c.timeline || []).find((e) => e.action === "triage");
    const data = (triaged && triaged.data) || {};
    const box = el("div", { class: "routing" });
    if (data.routing) {
      const r = data.routing;
      box.append(el("p", {}, `${w("rule")}: `, el("strong", { text: names.rule[r.rule] || r.rule || "—" }), " → ", unitName(r.unit_id) || "—"),
        el("ul", {}, (r.because || []).map((b) => el("li", { text: GG.clauseLabel(b, names) })),
          (r.unit_id ? r.tried || [] : []).map((b) => el("li", { class: "muted", text: GG.clauseLabel(b, names) }))));
    }
    if (data.named) {
      box.append(el("p", { class: "small", text: w("named_by", { phrase: data.named.phrase, category: categoryName(data.named.category) }) }));
    }
    if (data.classification) {
      const cl = data.classification;
      const label = (l) => names.category[l] || l;
      box.append(el("p", { class: "small", text: `AI: ${label(cl.label)} (${(cl.confidence * 100).toFixed(0)}%)` +
        (cl.runners_up || []).map(([l, s]) => ` · ${label(l)} ${(s * 100).toFixed(0)}%`).join("") }));
    }
    const gradeCodes = (data.because || []).filter((r) => String(r.code).startsWith("grade."));
    const gradeWords = gradeCodes.length ? gradeCodes.map((r) => GG.reasonCodeLabel(r, names)) : (data.grade_because || []).map(GG.gradeReasonLabel);
    if (gradeWords.length) box.append(el("p", { class: "small", text: `${w("grade")}: ${gradeWords.join(GG.english() ? "; " : "；")}` }));
    if (c.triage_reason) box.append(el("p", { class: "reason", text: GG.reasonsLabel(data.reasons, c.triage_reason, names) }));
    if (!box.children.length) box.append(el("p", { class: "muted", text: w("nothing") }));
    return box;
  }

  async function triageForm(c) {
    const form = el("form", { class: "action-form stack", "data-action": "triage" });
    const cat = el("select", { name: "category", id: "t-category" }, el("option", { value: "", text: "—" }));
    for (const k of categories) cat.append(el("option", { value: k.code, text: GG.categoryLabel(k), selected: k.code === c.category }));
    if (!c.category) {  // offer the category the words suggest; the dispatcher confirms or changes it
      GG.api("/api/v1/categories/suggest?text=" + encodeURIComponent(c.description)).then((found) => {
        if (found.length && !cat.value) cat.value = found[0].code;
      });
    }
    const unit = el("select", { name: "unit_id", id: "t-unit", required: true });
    for (const u of await GG.units()) unit.append(el("option", { value: u.id, text: u.name }));
    const error = el("p", { class: "error", role: "alert", hidden: true });
    form.append(el("label", { for: "t-category", text: w("category") }), cat, el("label", { for: "t-unit", text: w("dispatch_to") }), unit, error,
      el("div", { class: "row" }, el("button", { type: "submit", class: "primary", text: GG.actionLabel("dispatch") })));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await GG.api("/api/v1/triage/" + c.id, { json: { version: c.version, unit_id: unit.value, category: cat.value || null } });
        await load();
        open(c.id);
      } catch (e) { error.hidden = false; error.textContent = e.message; }
    });
    return form;
  }

  async function open(id) {
    selected = id;
    for (const li of list.querySelectorAll(".case-row")) li.classList.toggle("selected", li.dataset.case === id);
    const c = await GG.api("/api/v1/cases/" + encodeURIComponent(id));  // the id may come from the URL's hash
    const actions = el("div", { class: "actions", role: "group", "aria-label": w("actions") });
    const formSlot = el("div", { class: "form-slot" });
    const allowed = c.allowed_actions || [];
    for (const action of allowed) {
      actions.append(el("button", { type: "button", class: "secondary", "data-action": action, text: GG.actionLabel(action),
        onclick: async () => formSlot.replaceChildren(await GG.actionForm(c, action, async () => { await load(); open(id); })) }));
    }
    if (c.status === "reported" && GG.may(user, "resolve_triage")) {
      actions.prepend(el("button", { type: "button", class: "primary", "data-action": "triage", text: w("triage_queue") + " → " + GG.actionLabel("dispatch"),
        onclick: async () => formSlot.replaceChildren(await triageForm(c)) }));
    }
    if (!actions.children.length) actions.append(el("p", { class: "muted", text: w("no_actions") }));
    const mapBox = el("div", { class: "detail-map" });
    const caption = el("figcaption", { class: "small" });
    detail.replaceChildren(
      el("header", { class: "detail-head" },
        el("h2", {}, el("span", { class: "grade g" + c.grade, text: c.grade }), " ", c.description.slice(0, 120)),
        el("p", { class: "meta" }, GG.statusChip(c.status), ` ${categoryName(c.category)} · ${w("reported_at")} ${GG.fmtTime(c.reported_at)}` +
          (c.due_at ? ` · ${w("due")} ${GG.fmtTime(c.due_at)}` : "") + (c.unit_id ? ` · ${w("unit")} ${unitName(c.unit_id)}` : "") + ` · ${w("channel")} ${GG.channelLabel(c.channel)}`),
        c.address ? el("p", { class: "small address", text: c.address }) : null,
        c.reporter_name ? el("p", { class: "small reporter", text: `${w("reporter")}: ${c.reporter_name}` }) : null),
      el("h3", { text: w("actions") }), actions, formSlot,
      el("div", { class: "detail-grid" },
        el("div", {}, el("h3", { text: w("routing") }), routingReason(c),
          c.photos.length ? el("h3", { text: w("photos") }) : null, el("div", { class: "photos" }, c.photos.map((p) => GG.photo(p))),
          c.result ? el("h3", { text: w("result") }) : null, c.result ? el("p", { class: "result", text: c.result }) : null,
          (c.result_photos || []).length ? el("h3", { text: w("result_photos") }) : null,
          el("div", { class: "photos" }, (c.result_photos || []).map((p) => GG.photo(p)))),
        el("figure", { class: "detail-place" }, mapBox, caption)),
      el("h3", { text: w("timeline") }),
      el("ol", { class: "timeline" }, (c.timeline || []).map((e) => el("li", {},
        el("time", { text: GG.fmtTime(e.at) }), el("strong", { text: GG.actionLabel(e.action) }),
        el("span", { text: ` ${e.actor_name || e.actor_id || ""}` }), e.reason ? el("span", { class: "small", text: " — " + (e.action === "triage" ? GG.reasonLabel(e.reason, names) : e.reason) }) : null,
        // what the handler wrote, a supervisor's note, a resident's comment: as they typed it
        ...["result", "note", "comment"].filter((k) => e.data && typeof e.data[k] === "string" && e.data[k]).map((k) => el("span", { class: "small said", text: " — " + e.data[k] }))))));
    if (!c.grid_code || c.lat === null) {  // an address-only report the gazetteer could not place: its point is a stand-in
      mapBox.classList.add("unplaced");
      mapBox.append(el("p", { class: "muted", text: w("unplaced") }));
      return;
    }
    const map = L.map(mapBox, { attributionControl: false }).setView([c.lat, c.lon], 16);
    if (window.TILE_URL) L.tileLayer(window.TILE_URL).addTo(map);
    // without a base map the grids are the context: the case's own grid filled and named, its neighbours outlined
    GG.grids().then((geo) => {
      const own = (f) => f.properties.code === c.grid_code;
      L.geoJSON(geo, { filter: (f) => f.properties.level === "grid" || own(f),
        style: (f) => own(f) ? { color: "#1f6fb2", weight: 2, fillColor: "#4a90c2", fillOpacity: 0.25 } : { color: "#4a90c2", weight: 1, fillOpacity: 0.04 },
        onEachFeature: (f, layer) => {
          layer.bindTooltip(GG.textNode(f.properties.name), { sticky: true });  // a text node: names are never markup
          if (!own(f)) return;
          map.fitBounds(layer.getBounds().extend([c.lat, c.lon]), { padding: [16, 16], maxZoom: 17, animate: false });
          caption.textContent = `${w("grid")}: ${f.properties.name}`;
        } }).addTo(map);
      L.circleMarker([c.lat, c.lon], { radius: 9, color: "#e5484d", weight: 3, fillOpacity: 0.6 }).addTo(map);
    }).catch(() => L.circleMarker([c.lat, c.lon], { radius: 9, color: "#e5484d" }).addTo(map));
  }

  tab(mode);
  GG.api("/api/v1/calendar/" + new Date().getFullYear()).then((cal) => {
    if (cal.provisional) document.querySelector(".desk-list").prepend(el("p", { class: "banner", role: "status", text: w("calendar_provisional") }));
  }).catch(() => {});
  const linked = new URLSearchParams(location.hash.slice(1)).get("case");  // /desk#case=ID (links from the wall)
  if (linked) await open(linked);
  window.addEventListener("hashchange", () => {
    const id = new URLSearchParams(location.hash.slice(1)).get("case");
    if (id) open(id);
  });
  let reload = null;
  const later = () => { clearTimeout(reload); reload = setTimeout(load, 300); };
  const handlers = {};
  for (const type of ["CaseReported", "CaseTriaged", "CaseDispatched", "CaseHandled", "CaseClosed", "CaseRated", "CaseJoined"]) handlers[type] = later;
  GG.liveFeed(handlers, { onReconnect: later });
  document.body.dataset.ready = "1";
})();
