// The feature switches: every feature the server's table offers (x1, x2, x1^2, ... from
// GET /api/config/fields), each a checkbox with its thumbnail (its value over the plane)
// beside the diagram's input column, as the TensorFlow Playground lists them. Switching
// one rebuilds the network with one input unit per feature on (controls-model.js
// setFeatures), like any other change of the network's shape. Shown only while the data
// is a plane of points (features-model.js offersFeatures): features are computed from its
// x1 and x2.
import { el } from "../../lib/dom.js";
import { palette } from "../../shell/theme.js";
import { setFeatures } from "../controls/controls-model.js";
import { IDENTITY, offersFeatures, prettyFeature, switchTitle, toggled } from "./features-model.js";
import { thumbnailURLs } from "./feature-thumbs.js";

export function mount(app) {
  const host = document.getElementById("features");
  if (!host) return null;
  const all = app.fields.find((f) => f.path === "features")?.choices ?? IDENTITY;
  let grid = null;     // the last grid's feature thumbnails (packed), painted into `urls`
  let urls = null;     // thumbnail address by feature name
  let rows = new Map(); // name -> {label, input, img}
  let busy = false;    // a rebuild is on its way: the switches wait for its topology

  const active = () => app.topology?.config?.features ?? IDENTITY;

  const paintThumbs = () => {
    if (!urls) return;
    for (const [name, row] of rows) if (urls[name]) row.img.src = urls[name];
  };

  const render = (topology) => {
    busy = false;
    host.hidden = !offersFeatures(topology);
    if (host.hidden) {
      host.replaceChildren();
      rows = new Map();
      return;
    }
    const on = active();
    rows = new Map();
    const list = all.map((name) => {
      const checked = on.includes(name);
      const last = checked && on.length === 1;
      const input = el("input", { type: "checkbox", checked, dataset: { feature: name },
        "aria-label": `feature ${name}`, "aria-describedby": "features-help" });
      const img = el("img", { class: "feature-thumb", alt: "", width: 28, height: 28 });
      const label = el("label", { class: checked ? "feature on" : "feature", testid: `feature-${name}`,
        title: switchTitle(name, checked, last) }, input, img, el("span", { class: "feature-name", text: prettyFeature(name) }));
      rows.set(name, { label, input, img });
      return label;
    });
    host.replaceChildren(el("fieldset", { class: "feature-switches", testid: "features" },
      el("legend", { text: "Features" }),
      el("p", { id: "features-help", class: "feature-help", text: "inputs the network sees" }),
      ...list));
    paintThumbs();
  };

  const toggle = async (input) => {
    const name = input.dataset.feature;
    const next = toggled(all, active(), name, input.checked);
    if (!next || busy) {  // the last input stays on; one rebuild at a time
      input.checked = !input.checked;
      if (!next) app.bus.emit("notice", { message: `${name} is the network's only input: switch another on first.` });
      return;
    }
    busy = true;
    for (const row of rows.values()) row.input.disabled = true;
    const opened = await app.rebuild(setFeatures(app.config, next));
    if (!opened) render(app.topology);  // refused: the switches show the network as it is
  };

  host.addEventListener("change", (event) => {
    const input = event.target.closest?.("input[data-feature]");
    if (input) toggle(input);
  });
  app.bus.on("topology", render);
  app.bus.on("snapshot", (snap) => {
    const features = snap.grid?.features;
    if (!features || features === grid) return;
    grid = features;
    urls = thumbnailURLs(features, palette());
    paintThumbs();
  });
  app.bus.on("theme", () => {
    urls = thumbnailURLs(grid, palette());
    paintThumbs();
  });
  if (app.topology) render(app.topology);
  return host;
}
