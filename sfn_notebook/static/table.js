// Search and filters for a static event table (render/html.py), where the page runs scripts.
function sfnTable(root) {
  const bar = root.querySelector(".sfn-table-bar");
  const rows = Array.from(root.querySelectorAll("tr.sfn-row"));
  const search = document.createElement("input");
  search.type = "search";
  search.className = "sfn-search";
  search.placeholder = "Search events (type, state, error, payload…)";
  const select = (label, key) => {
    const s = document.createElement("select");
    s.className = "sfn-filter";
    const values = Array.from(new Set(rows.map((r) => r.dataset[key]).filter((v) => v))).sort();
    for (const v of ["", ...values]) {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = v === "" ? label : v;
      s.appendChild(o);
    }
    return s;
  };
  const types = select("all types", "type");
  const states = select("all states", "state");
  const count = document.createElement("span");
  count.className = "sfn-count";
  bar.append(search, types, states, count);
  bar.style.cssText = "display:flex;gap:6px;margin:4px 0;flex-wrap:wrap";
  const text = rows.map((r) => r.textContent.toLowerCase());
  const apply = () => {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    rows.forEach((r, i) => {
      const ok = (!q || text[i].includes(q)) && (!types.value || r.dataset.type === types.value) && (!states.value || r.dataset.state === states.value);
      r.style.display = ok ? "" : "none";
      shown += ok;
    });
    count.textContent = `${shown} of ${rows.length} events`;
  };
  search.addEventListener("input", apply);
  types.addEventListener("change", apply);
  states.addEventListener("change", apply);
  apply();
}
