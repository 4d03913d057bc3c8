/* Mobile pages for residents, grid workers and social-entity staff: report with photo, place and a
   category suggestion as you type; my reports with their status and the rating after closing; the
   unit's inbox to accept orders and feed back with a photo. */
"use strict";
(function () {
  const { el, w } = GG;

  GG.reportPage = async function () {
    const user = GG.requireLogin();
    if (!user) return;
    const form = document.getElementById("report");
    const text = document.getElementById("description");
    const chips = document.getElementById("suggestions");
    const where = document.getElementById("where");
    const error = document.getElementById("report-error");
    let chosenCategory = null;
    let point = null;
    let pin = null;

    const { map } = await GG.gridMap(document.getElementById("pick-map"), { style: { color: "#1769aa", weight: 1, fillOpacity: 0.05 } });
    function place(lat, lon, how) {
      point = { lat, lon };
      if (pin) pin.setLatLng([lat, lon]);
      else pin = L.marker([lat, lon], { keyboard: false }).addTo(map);
      where.textContent = `${w("location")}: ${lat.toFixed(5)}, ${lon.toFixed(5)} (${how})`;
    }
    map.on("click", (ev) => place(ev.latlng.lat, ev.latlng.lng, "map"));
    document.getElementById("locate").addEventListener("click", () => {
      if (!navigator.geolocation) return;
      navigator.geolocation.getCurrentPosition(
        (pos) => { place(pos.coords.latitude, pos.coords.longitude, "GPS"); map.setView([pos.coords.latitude, pos.coords.longitude], 16, { animate: false }); },
        (e) => { error.hidden = false; error.textContent = e.message; },
        { enableHighAccuracy: true, timeout: 10000 });
    });

    let typing = null;
    text.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(async () => {
        const found = text.value.trim().length >= 2 ? await GG.api("/api/v1/categories/suggest?text=" + encodeURIComponent(text.value)) : [];
        chips.replaceChildren(...(found.length ? [el("span", { class: "small muted", text: w("suggested") + (GG.english() ? ": " : "：") })] : []),
          ...found.map((c) => el("button", { type: "button", class: "chip" + (chosenCategory === c.code ? " chosen" : ""), "aria-pressed": chosenCategory === c.code,
            "data-code": c.code, text: GG.categoryName(c), onclick: (ev) => {
              chosenCategory = chosenCategory === c.code ? null : c.code;
              for (const b of chips.querySelectorAll("button")) { b.classList.toggle("chosen", b.dataset.code === chosenCategory); b.setAttribute("aria-pressed", b.dataset.code === chosenCategory); }
              ev.preventDefault();
            } })));
      }, 250);
    });

    const photo = document.getElementById("photo");
    GG.photoPicker(photo);
    const previews = document.getElementById("previews");
    photo.addEventListener("change", (ev) => {
      previews.replaceChildren(...[...ev.target.files].map((f) => el("img", { src: URL.createObjectURL(f), alt: f.name, class: "photo" })));
    });

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!text.value.trim()) { error.hidden = false; error.textContent = w("need_description"); text.focus(); return; }
      if (!point) { error.hidden = false; error.textContent = w("need_location"); return; }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const photos = await GG.uploadPhotos(photo.files);
        // no channel: the server takes the one the user's role reports on (domain/policy.py)
        const body = { description: text.value.trim(), lat: point.lat, lon: point.lon, crs: "wgs84", photos };
        const address = document.getElementById("address").value.trim();
        if (address) body.address = address;
        if (chosenCategory) body.category = chosenCategory;
        const created = await GG.api("/api/v1/cases", { json: body, headers: { "Idempotency-Key": crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) } });
        const done = document.getElementById("report-done");
        done.hidden = false;
        done.replaceChildren(`${w("sent")} ${created.id}`, " · ", el("a", { href: "/m/mine", text: w("mine") }));
        done.dataset.caseId = created.id;
        form.reset();
        previews.replaceChildren();
        chips.replaceChildren();
        chosenCategory = null;
      } catch (e) {
        error.hidden = false;
        error.textContent = e.message;
      } finally {
        button.disabled = false;
      }
    });
    document.body.dataset.ready = "1";
  };

  function card(c, extra) {
    return el("li", { class: "card case-card", "data-case": c.id },
      el("div", { class: "row between" }, GG.statusChip(c.status), el("time", { class: "small", text: GG.fmtTime(c.reported_at) })),
      el("p", { class: "desc", text: c.description }),
      c.address ? el("p", { class: "small muted", text: c.address }) : null,
      extra || null);
  }

  GG.minePage = async function () {
    const user = GG.requireLogin();
    if (!user) return;
    const ol = document.getElementById("mine");
    async function load() {
      const page = await GG.api("/api/v1/cases?mine=true&limit=50");
      ol.replaceChildren(...page.items.map((c) => {
        const slot = el("div", { class: "form-slot" });
        if (c.status === "closed") {
          GG.api("/api/v1/cases/" + c.id).then(async (full) => {
            if ((full.allowed_actions || []).includes("rate")) {
              slot.append(el("p", { class: "ok", text: w("rate_prompt") }), await GG.actionForm(full, "rate", load));
            }
          });
        }
        if (c.rating) slot.append(el("p", { class: "small", text: "★".repeat(c.rating) }));
        return card(c, slot);
      }));
      if (!page.items.length) ol.append(el("li", { class: "muted", text: w("nothing") }));
    }
    await load();
    document.body.dataset.ready = "1";
  };

  GG.inboxPage = async function () {
    const user = GG.requireLogin();
    if (!user) return;
    const ol = document.getElementById("orders");
    const names = await GG.names();
    /* where the order is and why it came to this unit: the rule that routed it, or who dispatched it */
    function whyUs(c) {
      const timeline = c.timeline || [];
      const routing = ((timeline.find((e) => e.action === "triage") || {}).data || {}).routing;
      const dispatched = timeline.filter((e) => ["dispatch", "reassign", "escalate"].includes(e.action)).pop();
      let why = null;
      if (routing && routing.unit_id === c.unit_id && (!dispatched || dispatched.actor_role === "system")) {
        why = w("why_rule", { rule: names.rule[routing.rule] || routing.rule });
      } else if (dispatched) {
        why = w("why_dispatched", { who: dispatched.actor_name || dispatched.actor_id });
      }
      const grid = c.grid_code ? `${w("grid")}: ${names.grid[c.grid_code] || c.grid_code}` : null;
      return el("p", { class: "small muted why" }, [grid, why].filter(Boolean).join(" · "));
    }
    async function load() {
      const page = await GG.api("/api/v1/cases?limit=50&status=dispatched&status=in_progress&status=handled&status=returned");
      const items = await Promise.all(page.items.map((c) => GG.api("/api/v1/cases/" + c.id)));
      ol.replaceChildren(...items.map((c) => {
        const slot = el("div", { class: "form-slot" });
        const buttons = el("div", { class: "row wrap" });
        for (const action of (c.allowed_actions || []).filter((a) => ["claim", "handle", "return", "request_extension"].includes(a))) {
          buttons.append(el("button", { type: "button", class: action === "claim" || action === "handle" ? "primary" : "secondary", "data-action": action,
            text: GG.actionLabel(action), onclick: async () => slot.replaceChildren(await GG.actionForm(c, action, load)) }));
        }
        const due = c.due_at ? el("p", { class: "small" + (c.overdue ? " error" : ""), text: `${w("due")} ${GG.fmtTime(c.due_at)}` }) : null;
        return card(c, [whyUs(c), due, el("div", { class: "photos" }, c.photos.map((p) => GG.photo(p))), buttons, slot]);
      }));
      if (!items.length) ol.append(el("li", { class: "muted", text: w("nothing") }));
    }
    await load();
    document.body.dataset.ready = "1";
  };

  // each page's start, by the page's name (no inline script calls it: the pages' CSP forbids that)
  const start = { report: GG.reportPage, mine: GG.minePage, inbox: GG.inboxPage }[window.PAGE];
  if (start) start();
})();
