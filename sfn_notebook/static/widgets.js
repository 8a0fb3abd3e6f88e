// The front end of sfn_notebook's widgets (anywidget): a graph viewport, an event table and JSON views.
// The viewport's code (viewport.js) is put before this module's text; state lives in the model's traits.

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function copyText(text, button) {
  const done = () => {
    const before = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => (button.textContent = before), 1200);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text, done));
  } else {
    fallbackCopy(text, done);
  }
}

function fallbackCopy(text, done) {
  const area = el("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    document.execCommand("copy");
    done();
  } finally {
    area.remove();
  }
}

// ------------------------------------------------------------------------------------------- JSON

function jsonNode(value, depth, open, comma) {
  // comma: whether a comma follows the value (put inside a folding node, so it stays on its line)
  const tail = comma ? "," : "";
  if (value === null || typeof value !== "object") {
    const kind = value === null ? "null" : typeof value;
    return el("span", `sfn-j-${kind}`, JSON.stringify(value) + tail);
  }
  const array = Array.isArray(value);
  const keys = array ? value.map((_, i) => i) : Object.keys(value);
  if (keys.length === 0) return el("span", "sfn-j-empty", (array ? "[]" : "{}") + tail);
  const details = el("details", "sfn-j-node");
  details.open = depth < open;
  const summary = el("summary", "sfn-j-summary");
  summary.appendChild(el("span", "sfn-j-brace", array ? "[" : "{"));
  summary.appendChild(el("span", "sfn-j-count", ` ${keys.length} ${array ? "item" : "key"}${keys.length === 1 ? "" : "s"} `));
  details.appendChild(summary);
  const body = el("div", "sfn-j-body");
  keys.forEach((key, index) => {
    const row = el("div", "sfn-j-row");
    if (!array) row.appendChild(el("span", "sfn-j-key", `${JSON.stringify(key)}: `));
    row.appendChild(jsonNode(value[key], depth + 1, open, index < keys.length - 1));
    body.appendChild(row);
  });
  details.appendChild(body);
  details.appendChild(el("span", "sfn-j-brace", (array ? "]" : "}") + tail));
  return details;
}

function renderJsonSections(root, sections) {
  root.textContent = "";
  for (const section of sections) {
    const box = el("div", "sfn-j-section");
    const head = el("div", "sfn-j-head");
    head.appendChild(el("span", "sfn-j-title", section.title || ""));
    if (section.note) head.appendChild(el("span", "sfn-j-note", section.note));
    const body = el("div", "sfn-j-tree");
    if (section.json === null || section.json === undefined) {
      body.appendChild(el("span", "sfn-j-none", section.empty || "—"));
    } else {
      const copy = el("button", "sfn-tool sfn-j-copy", "Copy");
      copy.type = "button";
      copy.title = "copy this JSON";
      copy.addEventListener("click", () => copyText(section.json, copy));
      const expand = el("button", "sfn-tool", "Expand all");
      expand.type = "button";
      expand.addEventListener("click", () => body.querySelectorAll("details").forEach((d) => (d.open = true)));
      const collapse = el("button", "sfn-tool", "Collapse");
      collapse.type = "button";
      collapse.addEventListener("click", () => body.querySelectorAll("details").forEach((d) => (d.open = false)));
      head.append(copy, expand, collapse);
      let value;
      try {
        value = JSON.parse(section.json);
      } catch (e) {
        value = section.json;
      }
      body.appendChild(jsonNode(value, 0, section.open === undefined ? 3 : section.open));
    }
    box.append(head, body);
    root.appendChild(box);
  }
}

function renderJson({ model, el: root }) {
  root.classList.add("sfn-json");
  const draw = () => renderJsonSections(root, model.get("sections"));
  model.on("change:sections", draw);
  draw();
  return () => model.off("change:sections", draw);
}

// ------------------------------------------------------------------------------------------ graph

function renderGraph({ model, el: root }) {
  root.classList.add("sfn-graphview");
  root.innerHTML = '<div class="sfn-viewport"><div class="sfn-tools"></div><div class="sfn-stage"><div class="sfn-canvas"></div></div></div>';
  const box = root.firstChild;
  const stage = box.querySelector(".sfn-stage");
  stage.style.height = `${model.get("height")}px`;
  const byId = () => model.get("node_states");
  const idOf = (state) => {
    const ids = byId();
    return Object.keys(ids).find((id) => ids[id] === state);
  };
  const viewport = sfnViewport(box, {
    initial: "auto",
    onClick: (id) => {
      const state = byId()[id];
      if (state === undefined) return;
      model.set("clicked", state);
      model.set("clicks", model.get("clicks") + 1);
      model.save_changes();
    },
    onDoubleClick: (id) => {
      const state = byId()[id];
      if (state === undefined || !model.get("collapsible").includes(state)) return;
      const collapsed = model.get("collapsed").slice();
      const at = collapsed.indexOf(state);
      if (at >= 0) collapsed.splice(at, 1);
      else collapsed.push(state);
      model.set("collapsed", collapsed);
      model.save_changes();
    },
    onReady: () => mark(true),
    onView: () => place(),
  });
  const ring = el("div", "sfn-locator");
  stage.appendChild(ring);
  function place() {
    const node = root.querySelector(".sfn-current");
    if (!node) {
      ring.style.display = "none";
      return;
    }
    const r = node.getBoundingClientRect();
    const b = stage.getBoundingClientRect();
    const w = Math.max(r.width, 18);
    const h = Math.max(r.height, 18);
    ring.style.display = r.width < 30 || r.height < 14 ? "" : "none"; // only where the outline is too small to see
    ring.style.left = `${r.left - b.left + r.width / 2 - w / 2 - 4}px`;
    ring.style.top = `${r.top - b.top + r.height / 2 - h / 2 - 4}px`;
    ring.style.width = `${w}px`;
    ring.style.height = `${h}px`;
  }
  const follow = el("label", "sfn-follow");
  const check = el("input");
  check.type = "checkbox";
  check.checked = model.get("follow");
  check.addEventListener("change", () => {
    model.set("follow", check.checked);
    model.save_changes();
    if (check.checked) mark(true);
  });
  follow.append(check, " follow the current state");
  box.querySelector(".sfn-tools").appendChild(follow);
  if (model.get("collapsible").length > 0) {
    box.querySelector(".sfn-tools").appendChild(el("span", "sfn-hint", "· double-click a Map or Parallel to fold it"));
  }
  function mark(scroll) {
    for (const old of root.querySelectorAll(".sfn-current")) old.classList.remove("sfn-current");
    for (const old of root.querySelectorAll(".sfn-selected")) old.classList.remove("sfn-selected");
    const current = idOf(model.get("current"));
    const node = current === undefined ? null : viewport.node(current);
    if (node) node.classList.add("sfn-current");
    const selected = idOf(model.get("selected"));
    const chosen = selected === undefined ? null : viewport.node(selected);
    if (chosen && chosen !== node) chosen.classList.add("sfn-selected");
    if (scroll && model.get("follow") && node) viewport.focus(node);
    place();
  }
  const draw = () => {
    viewport.setSvg(model.get("svg"));
    mark(true);
  };
  const onCurrent = () => mark(true);
  const onSelected = () => mark(false);
  model.on("change:svg", draw);
  model.on("change:current", onCurrent);
  model.on("change:selected", onSelected);
  draw();
  return () => {
    model.off("change:svg", draw);
    model.off("change:current", onCurrent);
    model.off("change:selected", onSelected);
  };
}

// ------------------------------------------------------------------------------------ event table

const PAGE = 300;

function renderTable({ model, el: root }) {
  root.classList.add("sfn-table");
  const bar = el("div", "sfn-table-bar");
  const search = el("input", "sfn-search");
  search.type = "search";
  search.placeholder = "Search events (type, state, error, payload…)";
  search.value = model.get("query");
  const types = el("select", "sfn-filter");
  const states = el("select", "sfn-filter");
  const count = el("span", "sfn-count");
  bar.append(search, types, states, count);
  const scroller = el("div", "sfn-table-scroll");
  scroller.style.maxHeight = `${model.get("height")}px`;
  const table = el("table", "sfn-events");
  const head = el("thead");
  const headRow = el("tr");
  for (const title of ["#", "Time", "Type", "State", "Detail"]) headRow.appendChild(el("th", "", title));
  head.appendChild(headRow);
  const body = el("tbody");
  table.append(head, body);
  const more = el("button", "sfn-tool sfn-more");
  more.type = "button";
  scroller.append(table, more);
  root.append(bar, scroller);

  let shown = PAGE;
  const options = (select, values, all) => {
    const chosen = select.value;
    select.textContent = "";
    for (const value of ["", ...values]) {
      const option = el("option", "", value === "" ? all : value);
      option.value = value;
      select.appendChild(option);
    }
    select.value = chosen;
  };
  const syncFilters = () => {
    options(types, model.get("types"), "all types");
    options(states, model.get("states"), "all states");
    types.value = model.get("type_filter");
    states.value = model.get("state_filter");
    if (search.value !== model.get("query")) search.value = model.get("query");
  };
  function rowFor(row) {
    const tr = el("tr", `sfn-row sfn-${row.kind}`);
    tr.dataset.id = row.id;
    tr.appendChild(el("td", "sfn-id", String(row.id)));
    tr.appendChild(el("td", "sfn-time", row.elapsed));
    tr.appendChild(el("td", "sfn-type", row.type));
    tr.appendChild(el("td", "sfn-state", row.state || ""));
    const detail = el("td", "sfn-detail");
    detail.appendChild(el("div", "sfn-clip", row.summary || ""));
    detail.title = row.summary || "";
    tr.appendChild(detail);
    tr.addEventListener("click", () => {
      model.set("selected", row.id);
      const open = model.get("expanded").slice();
      const at = open.indexOf(row.id);
      if (at >= 0) open.splice(at, 1);
      else open.push(row.id);
      model.set("expanded", open);
      model.save_changes();
    });
    return tr;
  }
  function draw() {
    const rows = model.get("rows");
    const matches = model.get("matches");
    const expanded = new Set(model.get("expanded"));
    const details = model.get("details");
    const selected = model.get("selected");
    body.textContent = "";
    const visible = matches.slice(0, shown);
    for (const index of visible) {
      const row = rows[index];
      const tr = rowFor(row);
      if (row.id === selected) tr.classList.add("sfn-sel");
      body.appendChild(tr);
      if (expanded.has(row.id)) {
        tr.classList.add("sfn-open");
        const extra = el("tr", "sfn-expanded");
        const cell = el("td");
        cell.colSpan = 5;
        const text = details[String(row.id)];
        renderJsonSections(cell, [{ title: `Event ${row.id}: ${row.type}`, json: text === undefined ? null : text, empty: "loading…", open: 4 }]);
        extra.appendChild(cell);
        body.appendChild(extra);
      }
    }
    count.textContent = `${matches.length} of ${rows.length} events`;
    const rest = matches.length - visible.length;
    more.style.display = rest > 0 ? "" : "none";
    more.textContent = `Show ${Math.min(PAGE, rest)} more (${rest} not shown)`;
  }
  function reveal() {
    const selected = model.get("selected");
    const matches = model.get("matches");
    const rows = model.get("rows");
    const position = matches.findIndex((i) => rows[i].id === selected);
    if (position >= shown) {
      shown = Math.ceil((position + 1) / PAGE) * PAGE;
      draw();
    }
    const tr = body.querySelector(`tr[data-id="${selected}"]`);
    if (tr) {
      const top = tr.offsetTop - scroller.offsetTop;
      if (top < scroller.scrollTop + 24 || top > scroller.scrollTop + scroller.clientHeight - 48) {
        scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 3);
      }
    }
  }
  more.addEventListener("click", () => {
    shown += PAGE;
    draw();
  });
  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      model.set("query", search.value);
      model.save_changes();
    }, 150);
  });
  types.addEventListener("change", () => {
    model.set("type_filter", types.value);
    model.save_changes();
  });
  states.addEventListener("change", () => {
    model.set("state_filter", states.value);
    model.save_changes();
  });
  const redraw = () => {
    shown = PAGE;
    syncFilters();
    draw();
  };
  const onSelected = () => {
    draw();
    reveal();
  };
  const events = ["change:matches", "change:rows", "change:expanded", "change:details"];
  for (const name of events) model.on(name, draw);
  for (const name of ["change:types", "change:states", "change:query", "change:type_filter", "change:state_filter"]) {
    model.on(name, redraw);
  }
  model.on("change:selected", onSelected);
  syncFilters();
  draw();
  requestAnimationFrame(reveal);
}

// ------------------------------------------------------------------------------------------ entry

export default {
  render(context) {
    const kind = context.model.get("kind");
    if (kind === "graph") return renderGraph(context);
    if (kind === "table") return renderTable(context);
    return renderJson(context);
  },
};
