// Zoom, pan and fit for a graph drawn as SVG, in a box of bounded height.
// Used by the graphs' static HTML (an inline script, where the page runs scripts) and by the widgets.
// `box` holds: .sfn-tools (buttons), .sfn-stage > .sfn-canvas > (<svg> | <img src="data:image/svg+xml,...">).
function sfnViewport(box, options) {
  options = options || {};
  const stage = box.querySelector(".sfn-stage");
  const canvas = box.querySelector(".sfn-canvas");
  const tools = box.querySelector(".sfn-tools");
  const view = { x: 0, y: 0, s: 1, w: 1, h: 1 };
  let svg = null;
  let zoomLabel = null;

  function apply(animate) {
    canvas.style.transition = animate ? "transform 0.18s ease-out" : "none";
    canvas.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.s})`;
    if (zoomLabel) zoomLabel.textContent = `${Math.round(view.s * 100)}%`;
    if (options.onView) {
      if (animate) setTimeout(options.onView, 200);
      else options.onView();
    }
  }
  function size() {
    return { W: stage.clientWidth || 600, H: stage.clientHeight || 400 };
  }
  function zoomAt(factor, px, py) {
    const s = Math.min(8, Math.max(0.02, view.s * factor));
    view.x = px - ((px - view.x) * s) / view.s;
    view.y = py - ((py - view.y) * s) / view.s;
    view.s = s;
    apply(false);
  }
  function fit(mode) {
    const { W, H } = size();
    const pad = 8;
    if (mode === "all") view.s = Math.min((W - 2 * pad) / view.w, (H - 2 * pad) / view.h);
    else if (mode === "width") view.s = (W - 2 * pad) / view.w;
    else if (mode === "height") view.s = (H - 2 * pad) / view.h;
    else if (mode === "actual") view.s = 1;
    else {
      // the first view: natural size when it fits, else fitted along its long side, never enlarged
      const tall = view.h >= view.w;
      view.s = Math.min(1, tall ? (W - 2 * pad) / view.w : (H - 2 * pad) / view.h);
    }
    view.x = Math.max(pad, (W - view.w * view.s) / 2);
    view.y = mode === "all" ? Math.max(pad, (H - view.h * view.s) / 2) : pad;
    apply(false);
  }
  function setSvg(text) {
    const at = text.indexOf("<svg");
    canvas.innerHTML = at >= 0 ? text.slice(at) : text;
    adopt();
  }
  function adopt() {
    svg = canvas.querySelector("svg");
    if (!svg) return;
    const box = svg.viewBox && svg.viewBox.baseVal;
    const points = box && box.width ? box : { width: svg.width.baseVal.value, height: svg.height.baseVal.value };
    view.w = (points.width * 4) / 3; // dot measures in points
    view.h = (points.height * 4) / 3;
    svg.setAttribute("width", `${view.w}px`);
    svg.setAttribute("height", `${view.h}px`);
  }
  function focus(element, always) {
    // bring an element (a node of the graph) into view, centred, unless it is in view already
    if (!element) return;
    const r = element.getBoundingClientRect();
    const b = stage.getBoundingClientRect();
    if (!b.width || !b.height) return; // not on the page (yet)
    const margin = 24;
    const inside =
      r.left >= b.left + margin && r.right <= b.right - margin && r.top >= b.top + margin && r.bottom <= b.bottom - margin;
    if (inside && !always) return;
    if (r.width > b.width - 2 * margin || r.height > b.height - 2 * margin) {
      view.s = Math.max(0.05, view.s * Math.min((b.width - 2 * margin) / r.width, (b.height - 2 * margin) / r.height));
      apply(false);
      return focus(element, true);
    }
    view.x += b.left + b.width / 2 - (r.left + r.width / 2);
    view.y += b.top + b.height / 2 - (r.top + r.height / 2);
    apply(true);
  }
  function button(label, title, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "sfn-tool";
    b.textContent = label;
    b.title = title;
    b.addEventListener("click", (e) => {
      e.preventDefault();
      action();
    });
    tools.appendChild(b);
    return b;
  }

  // from a scrollable picture (what a page without scripts shows) to a viewport
  const img = canvas.querySelector("img");
  if (img && img.src.startsWith("data:image/svg+xml")) {
    const comma = img.src.indexOf(",");
    const data = img.src.slice(comma + 1);
    setSvg(img.src.slice(0, comma).endsWith(";base64") ? atob(data) : decodeURIComponent(data));
  } else {
    adopt();
  }
  box.classList.add("sfn-live-viewport");
  tools.textContent = "";
  button("Fit", "fit the whole graph in the box", () => fit("all"));
  button("Fit width", "fit the graph's width", () => fit("width"));
  button("−", "zoom out", () => {
    const { W, H } = size();
    zoomAt(1 / 1.25, W / 2, H / 2);
  });
  button("+", "zoom in", () => {
    const { W, H } = size();
    zoomAt(1.25, W / 2, H / 2);
  });
  button("1:1", "actual size", () => fit("actual"));
  zoomLabel = document.createElement("span");
  zoomLabel.className = "sfn-zoom";
  tools.appendChild(zoomLabel);
  const hint = document.createElement("span");
  hint.className = "sfn-hint";
  hint.textContent = "drag to pan · ctrl+wheel to zoom";
  tools.appendChild(hint);

  stage.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const b = stage.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey) {
        zoomAt(Math.exp(-e.deltaY * 0.0025), e.clientX - b.left, e.clientY - b.top);
      } else {
        view.x -= e.shiftKey ? e.deltaY : e.deltaX;
        view.y -= e.shiftKey ? 0 : e.deltaY;
        apply(false);
      }
    },
    { passive: false }
  );
  let drag = null;
  stage.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false, target: e.target };
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!drag.moved) stage.classList.add("sfn-dragging");
    drag.moved = true;
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    apply(false);
  });
  window.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const was = drag;
    drag = null;
    stage.classList.remove("sfn-dragging");
    if (!was.moved && options.onClick) {
      const node = was.target.closest && was.target.closest("g.node");
      if (node) options.onClick(node.querySelector("title").textContent, node, e);
    }
  });
  stage.addEventListener("dblclick", (e) => {
    const node = e.target.closest && e.target.closest("g.node");
    if (node && options.onDoubleClick) options.onDoubleClick(node.querySelector("title").textContent, node, e);
  });
  // the first fit waits until the box has a size (a widget is drawn before it is on the page)
  let fitted = false;
  const observer = new ResizeObserver(() => {
    if (fitted || !stage.clientWidth) return;
    fitted = true;
    fit(options.initial);
    if (options.onReady) options.onReady();
  });
  observer.observe(stage);
  return { setSvg, fit, focus, zoomAt, view, node: (id) => sfnNode(canvas, id) };
}

// the <g class="node"> of a DOT node id (its <title>)
function sfnNode(root, id) {
  for (const title of root.querySelectorAll("g.node > title")) {
    if (title.textContent === id) return title.parentElement;
  }
  return null;
}
