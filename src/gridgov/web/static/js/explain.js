/* Why a case went where it went, in the page's language. Triage reasons come as codes with parameters
   (GG.reasonCodeLabel); the responsibility list's clauses are still English ("category in [E0109,
   E0102]", "community of grid 440304001001 is jh-shequ"), read here with names instead of codes: the
   rule's name, the category, the grid, the unit and the unit type. Clauses this file does not know are
   shown as given. */
"use strict";
(function () {
  const T = window.T;
  const w = GG.w;
  const from = (table, key) => (table && table[key]) || key;

  /* Names for codes, loaded once per page: categories, units, grids and rules (each may be refused by
     the role or the network; what is missing then shows as its code). */
  let namesCache = null;
  GG.names = function () {
    if (!namesCache) {
      const get = (url) => GG.api(url).catch(() => []);
      namesCache = Promise.all([GG.categories().catch(() => []), GG.units().catch(() => []), GG.grids().catch(() => null), get("/api/v1/rules")])
        .then(([categories, units, grids, rules]) => ({
          // by code, and by Chinese name as the message classifier's labels come
          category: Object.fromEntries(categories.flatMap((c) => [[c.name, GG.categoryName(c)], [c.code, GG.categoryName(c)]])),
          unit: Object.fromEntries(units.map((u) => [u.id, u.name])),
          grid: Object.fromEntries(((grids && grids.features) || []).map((f) => [f.properties.code, f.properties.name])),
          rule: Object.fromEntries(rules.map((r) => [r.code, r.name || r.code])),
        }));
    }
    return namesCache;
  };

  const EMPTY = { category: {}, unit: {}, grid: {}, rule: {} };

  function value(field, raw, names) {
    const v = raw.replace(/^'(.*)'$/, "$1");
    if (field === "category") return from(names.category, v);
    if (field === "grid_code") return from(names.grid, v);
    if (field === "owner_unit_id") return from(names.unit, v);
    if (field === "channel") return GG.channelLabel(v);
    if (field === "kind") return from(T.kinds, v);
    if (field === "category_unit_type") return from(T.unit_types, v);
    if (v === "True") return GG.english() ? "yes" : "是";
    if (v === "False") return GG.english() ? "no" : "否";
    return v;
  }

  /* one clause of a routing decision (domain/conditions.describe, domain/responsibility.route) */
  GG.clauseLabel = function (text, names) {
    names = names || EMPTY;
    let m;
    if (text === "always") return w("always");
    if ((m = /^not \((.*)\)$/.exec(text))) return w("not_clause", { clause: GG.clauseLabel(m[1], names) });
    if ((m = /^component owned by (\S+) \(先属主\)$/.exec(text))) return w("owner_first", { unit: from(names.unit, m[1]) });
    if ((m = /^(\S+) of grid (\S+) is (\S+)$/.exec(text))) {
      return w("unit_of_grid", { type: from(T.unit_types, m[1]), grid: from(names.grid, m[2]), unit: from(names.unit, m[3]) });
    }
    if ((m = /^rule (\S+) names unit (\S+), which is unknown or inactive$/.exec(text))) {
      return w("rule_unit_gone", { rule: from(names.rule, m[1]), unit: from(names.unit, m[2]) });
    }
    if ((m = /^rule (\S+) matched but no (.+) covers grid (\S+)$/.exec(text))) {
      return w("rule_no_unit", { rule: from(names.rule, m[1]), type: from(T.unit_types, m[2]), grid: from(names.grid, m[3]) });
    }
    if (text === "no rule of the responsibility list matches this case") return w("no_rule");
    if ((m = /^(\w+) (\w+) (.+)$/.exec(text)) && T.ops[m[2]] !== undefined) {
      const [, field, op, raw] = m;
      const shown = /^\[.*\]$/.test(raw)
        ? raw.slice(1, -1).split(", ").map((v) => value(field, v, names)).join(GG.english() ? ", " : "、")
        : value(field, raw, names);
      return w("clause", { field: from(T.fields, field), op: T.ops[op], value: shown });
    }
    return text;
  };

  /* one reason for a grade (domain/grading): "default grade 3 of the category", "fire (起火)" */
  GG.gradeReasonLabel = function (text) {
    let m;
    if ((m = /^default grade (\d) of the category$/.exec(text))) return w("grade_default", { grade: m[1] });
    if ((m = /^alarm severity (\w+)$/.exec(text))) return w("grade_severity", { severity: m[1] });
    if (!GG.english() && (m = /^.+ \(([^()]+)\)$/.exec(text))) return m[1];  // the rule's own Chinese word
    return text;
  };

  /* One triage reason as the API gives it, a code with parameters (services/triage.decide):
     {"code": "category.named", "category": "E0109", "phrase": "垃圾箱满溢"} -> words of the page's
     language with names for codes. A code this file does not know shows as the code. */
  GG.reasonCodeLabel = function (reason, names) {
    names = names || EMPTY;
    const sep = GG.english() ? ", " : "、";
    const r = reason || {};
    const vars = {};
    for (const [k, v] of Object.entries(r)) if (k !== "code") vars[k] = Array.isArray(v) ? v.join(sep) : v;
    if (r.category) vars.category = from(names.category, r.category);
    if (r.label) vars.label = from(names.category, r.label);
    if (r.unit) vars.unit = from(names.unit, r.unit);
    if (r.rule) vars.rule = r.code === "grade.words" ? r.rule : from(names.rule, r.rule);
    if (typeof r.confidence === "number") vars.confidence = r.confidence.toFixed(2);
    if (Array.isArray(r.candidates)) vars.candidates = r.candidates.map((c) => from(names.category, c)).join(sep);
    if (Array.isArray(r.clauses)) vars.why = r.clauses.map((c) => GG.clauseLabel(c.replace(/^rule \S+: /, ""), names)).join(GG.english() ? "; " : "；");
    const key = "reason." + r.code;
    return T.words[key] ? w(key, vars) : String(r.code);
  };

  /* the reasons a case waits for a person, from the codes when the case has them */
  GG.reasonsLabel = function (codes, text, names) {
    if (Array.isArray(codes) && codes.length) return codes.map((r) => GG.reasonCodeLabel(r, names)).join(GG.english() ? "; " : "；");
    return GG.reasonLabel(text, names);
  };

  /* why triage left a case to a person (services/triage: reasons joined by "; "); for cases triaged
     before reasons had codes */
  GG.reasonLabel = function (text, names) {
    if (!text) return text;
    names = names || EMPTY;
    const sep = GG.english() ? "; " : "；";
    const unit = /(?:^|; )no responsible unit: (.*)$/s.exec(text);
    const parts = [];
    let rest = text;
    if (unit) rest = text.slice(0, unit.index);
    for (const part of rest.split("; ").filter(Boolean)) {
      let m;
      if ((m = /^classifier unsure \((.+), confidence ([\d.]+)\)$/.exec(part))) parts.push(w("classifier_unsure", { label: from(names.category, m[1]), confidence: m[2] }));
      else if (part === "not placed in any grid") parts.push(w("not_placed"));
      else if (part === "no category") parts.push(w("no_category"));
      else if (part === "not triaged yet") parts.push(w("not_triaged"));
      else if (part === "earlier case: waiting for a dispatcher") parts.push(w("legacy_manual"));
      else parts.push(part);
    }
    if (unit) {
      // the routing explanation: clauses joined by "; " (nothing routed) after the prefix
      const why = unit[1].split("; ").map((c) => GG.clauseLabel(c.replace(/^rule \S+: /, ""), names)).join(sep);
      parts.push(w("no_unit", { why }));
    }
    return parts.join(sep);
  };
})();
