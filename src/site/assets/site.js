// Filters and search for index.html. The state lives in the URL
// (index.html?q=checkout&severity=SEV1), so a filtered list can be shared. The search
// index is a script that assigns a global (fetch() of a JSON file fails on file://),
// loaded the first time a query is typed.
(function () {
  "use strict";
  var FILTERS = ["status", "severity", "service", "team", "year"];
  var OPEN = ["investigating", "identified", "mitigated"];
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.incident"));
  var input = document.getElementById("q");
  var count = document.getElementById("count");
  if (!input || !count) return;
  var selects = {};
  FILTERS.forEach(function (name) { selects[name] = document.getElementById("filter-" + name); });
  var loading = false;

  // As `git incident search` reads a query: words in any order, "quoted phrases" whole.
  function words(text) {
    var terms = [];
    text.split('"').forEach(function (part, i) {
      var pieces = i % 2 === 1 ? [part.trim()] : part.split(/\s+/);
      pieces.forEach(function (piece) {
        var term = piece.toLowerCase();
        if (term.length > 0 && terms.indexOf(term) < 0) terms.push(term);
      });
    });
    return terms;
  }

  function searchText(row) {
    var index = window.gitIncidentSearch;
    var id = row.getAttribute("data-id");
    if (index && Object.prototype.hasOwnProperty.call(index, id)) return index[id];
    return row.textContent.toLowerCase();
  }

  function loadIndex() {
    if (loading || window.gitIncidentSearch) return;
    loading = true;
    var script = document.createElement("script");
    script.src = "search-index.js";
    script.onload = apply;
    document.head.appendChild(script);
  }

  function matches(row, query) {
    for (var i = 0; i < FILTERS.length; i++) {
      var name = FILTERS[i];
      var want = selects[name] ? selects[name].value : "";
      if (!want) continue;
      var attr = name === "service" ? "data-services" : "data-" + name;
      var have = row.getAttribute(attr) || "";
      var ok;
      if (name === "service" || name === "team") ok = have.split(",").indexOf(want) >= 0;
      else if (name === "status" && want === "open") ok = OPEN.indexOf(have) >= 0;
      else ok = have === want;
      if (!ok) return false;
    }
    if (query.length === 0) return true;
    var text = searchText(row);
    return query.every(function (w) { return text.indexOf(w) >= 0; });
  }

  function apply() {
    var query = words(input.value);
    if (query.length > 0) loadIndex();
    var shown = 0;
    rows.forEach(function (row) {
      if (matches(row, query)) { row.removeAttribute("hidden"); shown++; }
      else row.setAttribute("hidden", "");
    });
    count.textContent = String(shown);
  }

  function saveToUrl() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    FILTERS.forEach(function (name) {
      if (selects[name] && selects[name].value) params.set(name, selects[name].value);
    });
    var search = params.toString();
    try {
      history.replaceState(null, "", search ? "?" + search : location.pathname);
    } catch (e) {
      // Some browsers refuse to rewrite file:// URLs; the filter still applies.
    }
  }

  function update() { apply(); saveToUrl(); }

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  FILTERS.forEach(function (name) {
    var select = selects[name];
    var value = params.get(name);
    if (!select || !value) return;
    // A value the list offers no option for still filters, so a shared link never widens.
    if (!Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    }
    select.value = value;
  });
  input.addEventListener("input", update);
  FILTERS.forEach(function (name) { if (selects[name]) selects[name].addEventListener("change", update); });
  apply();
})();
