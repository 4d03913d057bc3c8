/* The command-center wall (大屏): grid map coloured by open and overdue cases, live markers and feed
   over the SSE stream, KPI tiles, category and trend charts, overdue and sensitive lists. */
"use strict";
(async function () {
  const user = GG.requireLogin();
  if (!user) return;
  const { el, w } = GG;
  const pct = (v) => (v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%");
  const state = { perGrid: {}, markers: new Map() };

  setInterval(() => (document.getElementById("clock").textContent = new Date().toLocaleString(document.documentElement.lang, { hour12: false })), 1000);

  const { map, layer } = await GG.gridMap(document.getElementById("map"), {
    zoomControl: false,
    style: { color: "#3fa7ff", weight: 1, fillColor: "#1b6fb5", fillOpacity: 0.12 },
  });
  layer.eachLayer((poly) => {
    const p = poly.feature.properties;
    poly.bindTooltip(GG.textNode(p.name), { sticky: true });  // names are typed by people: a text node, never markup
  });

  function colourGrids() {
    layer.eachLayer((poly) => {
      const code = poly.feature.properties.code;
      let open = 0, overdue = 0;
      for (const [grid, n] of Object.entries(state.perGrid)) {
        if (grid.startsWith(code)) {
          open += n.open;
          overdue += n.overdue;
        }
      }
      const fill = overdue ? "#e5484d" : open >= 5 ? "#f5a524" : open ? "#2bb673" : "#1b6fb5";
      poly.setStyle({ fillColor: fill, fillOpacity: overdue ? 0.45 : open ? 0.3 : 0.1 });
      poly.setTooltipContent(GG.textNode(poly.feature.properties.name, `${w("open")} ${open} · ${w("overdue")} ${overdue}`));
    });
  }

  function marker(c, fresh) {
    // an unplaced case carries only a stand-in point (the district's centre): no marker until it is placed
    if (c.lat === undefined || c.lat === null || !c.grid_code || state.markers.has(c.id)) return;
    const m = L.circleMarker([c.lat, c.lon], {
      radius: fresh ? 9 : 5, color: c.overdue ? "#ff6b6b" : c.grade <= 2 ? "#ffb224" : "#7ee0ff",
      weight: 2, fillOpacity: 0.8, className: fresh ? "pulse" : "",
    }).addTo(map);
    m.bindTooltip(GG.textNode(c.description.slice(0, 40)));  // a resident's words: text, not HTML
    state.markers.set(c.id, m);
  }

  const charts = {
    category: echarts.init(document.getElementById("chart-category"), "dark", { renderer: "canvas" }),
    trend: echarts.init(document.getElementById("chart-trend"), "dark", { renderer: "canvas" }),
  };
  const axisText = { color: "#c8d6e5", fontSize: 14 };
  // ECharts' HTML tooltips would put category names (table data) into innerHTML and style attributes
  // the page's CSP refuses; drawn on the canvas ("richText") they are plain text.
  const tooltip = { trigger: "axis", renderMode: "richText", textStyle: { fontSize: 14 } };

  function render(kpi) {
    const values = {
      today_received: kpi.today.received, today_closed: kpi.today.closed, open: kpi.open, overdue: kpi.overdue,
      on_time_rate: pct(kpi.on_time_rate), satisfaction_rate: pct(kpi.satisfaction_rate), closure_rate: pct(kpi.closure_rate),
      average_handling_hours: kpi.average_handling_hours === null ? "—" : kpi.average_handling_hours + " " + w("hours"),
    };
    for (const tile of document.querySelectorAll(".tile")) {
      const n = tile.querySelector(".n");
      const value = String(values[tile.dataset.k]);
      if (n.textContent !== value) {
        n.textContent = value;
        tile.classList.remove("flash");
        void tile.offsetWidth;
        tile.classList.add("flash");
      }
    }
    const cats = kpi.by_category.slice().reverse();
    const labelWidth = GG.english() ? 150 : 100;  // English names run longer; cut with an ellipsis past this
    charts.category.setOption({
      backgroundColor: "transparent",
      grid: { left: labelWidth + 10, right: 30, top: 10, bottom: 24 },
      tooltip,
      xAxis: { type: "value", axisLabel: axisText, splitLine: { lineStyle: { color: "#24384f" } } },
      yAxis: { type: "category", data: cats.map((c) => GG.categoryName(c)),
               axisLabel: Object.assign({ width: labelWidth, overflow: "truncate" }, axisText) },
      series: [{ type: "bar", data: cats.map((c) => c.count), itemStyle: { color: "#3fa7ff" }, label: { show: true, position: "right", color: "#fff" } }],
    });
    charts.trend.setOption({
      backgroundColor: "transparent",
      legend: { data: [w("received"), w("closed")], textStyle: axisText, top: 0 },
      grid: { left: 50, right: 20, top: 34, bottom: 28 },
      tooltip,
      xAxis: { type: "category", data: kpi.trend.map((d) => d.day.slice(5)), axisLabel: axisText },
      yAxis: { type: "value", axisLabel: axisText, splitLine: { lineStyle: { color: "#24384f" } } },
      series: [
        { name: w("received"), type: "line", smooth: true, data: kpi.trend.map((d) => d.received), itemStyle: { color: "#3fa7ff" }, areaStyle: { opacity: 0.15 } },
        { name: w("closed"), type: "line", smooth: true, data: kpi.trend.map((d) => d.closed), itemStyle: { color: "#2bb673" } },
      ],
    });
    state.perGrid = kpi.per_grid;
    colourGrids();
    listInto("overdue", kpi.overdue_list.slice(0, 4), (c) => [
      el("span", { class: "grade g" + c.grade, text: c.grade }),
      el("span", { class: "desc", text: c.description }),
      el("span", { class: "meta", text: [c.unit_name, w("minutes_over", { n: GG.duration(c.overdue_minutes) })].filter(Boolean).join(" · ") }),
    ]);
    listInto("sensitive", kpi.sensitive_list.slice(0, 3), (c) => [
      el("span", { class: "grade g" + c.grade, text: c.grade }),
      el("span", { class: "desc", text: c.description }),
      el("span", { class: "meta", text: GG.statusLabel(c.status) }),
    ]);
  }

  function listInto(id, items, row) {
    const ol = document.getElementById(id);
    ol.replaceChildren(...(items.length ? items.map((c) => el("li", {}, row(c))) : [el("li", { class: "muted", text: w("nothing") })]));
  }

  function feedItem(c, fresh) {
    return el("li", { class: fresh ? "new" : "", "data-case": c.id },
      el("time", { text: GG.fmtTime(c.reported_at) }),
      el("span", { class: "grade g" + c.grade, text: c.grade }),
      el("a", { class: "desc", href: "/desk#case=" + c.id, text: c.description.slice(0, 60) }),
      GG.statusChip(c.status));
  }

  let refreshTimer = null;
  const refresh = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => render(await GG.api("/api/v1/stats/overview")), 150);
  };

  const [kpi, recent] = await Promise.all([GG.api("/api/v1/stats/overview"), GG.api("/api/v1/cases?limit=30")]);
  render(kpi);
  const feed = document.getElementById("feed");
  feed.append(...recent.items.map((c) => feedItem(c, false)));
  const open = await GG.api("/api/v1/cases?limit=200&status=reported&status=accepted&status=dispatched&status=in_progress&status=returned&status=handled");
  open.items.forEach((c) => marker(c, false));

  const live = document.getElementById("live");
  const handlers = {
    CaseReported: async (ev) => {
      const data = JSON.parse(ev.data);
      if (feed.querySelector(`[data-case="${CSS.escape(data.case_id)}"]`)) return;  // already shown (a replay after a reconnect)
      const c = await GG.api("/api/v1/cases/" + data.case_id);
      feed.prepend(feedItem(c, true));
      while (feed.children.length > 40) feed.lastChild.remove();
      marker(c, true);
      refresh();
    },
  };
  for (const type of ["CaseTriaged", "CaseAccepted", "CaseRejected", "CaseDispatched", "CaseClaimed", "CaseReturned", "CaseHandled", "CaseVerified",
    "CaseReworkRequested", "CaseClosed", "CaseRated", "CaseReopened", "CaseJoined", "CaseSuspended", "CaseResumed", "CaseSupervised",
    "CaseWarned", "CaseEscalated"]) {
    handlers[type] = (ev) => {
      const data = JSON.parse(ev.data);
      const row = feed.querySelector(`[data-case="${CSS.escape(data.case_id)}"] .chip`);
      if (row && data.status) row.replaceWith(GG.statusChip(data.status));
      if (["closed", "rated", "rejected"].includes(data.status) && state.markers.has(data.case_id)) {
        state.markers.get(data.case_id).remove();
        state.markers.delete(data.case_id);
      }
      refresh();
    };
  }
  GG.liveFeed(handlers, {
    onOpen: () => { live.className = "live on"; live.textContent = w("connected"); },
    onDown: () => { live.className = "live off"; live.textContent = w("disconnected"); },
    onReconnect: refresh,  // events missed while the feed was down still reach the tiles and lists
  });
  GG.wall = { map, layer, markers: state.markers };  // for the browser tests (and a curious console): where things are drawn
  setInterval(refresh, 60000);
  window.addEventListener("resize", () => { charts.category.resize(); charts.trend.resize(); map.invalidateSize(); });
  document.body.dataset.ready = "1";
})();
