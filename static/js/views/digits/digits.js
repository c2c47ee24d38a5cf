// For image data (the 8x8 digits, MNIST): what the first layer looks for, drawn as images;
// a gallery of test digits with what the network says they are; and the confusion matrix.
//
// The weight images are redrawn from the snapshot at most every 0.5 s; the gallery and the
// matrix come from GET /api/sessions/{id}/evaluation, at most one request in flight and
// at most one every 2 s while training runs (at once after a pause or a single step).
import { outputSlot } from "../charts/chart-slots.js";
import { Refresher } from "../../lib/throttle.js";
import { columnsMaxAbs, confusionCell, paintDiverging, paintGrey, weightColumn } from "./digits-images.js";
import { formatCount, formatNumber, formatPercent } from "../../lib/format.js";
import { palette } from "../../shell/theme.js";
import { el } from "../../lib/dom.js";
import { rgb } from "../../lib/color.js";

const MAX_WEIGHT_IMAGES = 32;
const WEIGHT_INTERVAL = 500;
const GALLERY_INTERVAL = 2000;
const GALLERY_SIZE = 24;

export function mount(app) {
  const slot = outputSlot("digits");
  slot.classList.add("digits-section");
  slot.dataset.testid = "digits-section";

  const weightNote = el("p", { className: "panel-note" });
  const weightGrid = el("div", { className: "weight-grid", dataset: { testid: "weight-images" } });
  const galleryNote = el("p", { className: "panel-note" });
  const gallery = el("div", { className: "gallery", dataset: { testid: "gallery" } });
  const confusionNote = el("p", { className: "panel-note" });
  const confusion = el("table", { className: "confusion", dataset: { testid: "confusion" } });
  const confusionWrap = el("div", { className: "confusion-wrap" }, confusion);
  // A tapped (clicked) image or cell says in words what its title says to a mouse.
  const galleryPick = el("p", { className: "panel-note digits-pick", dataset: { testid: "gallery-pick" } });
  const confusionPick = el("p", { className: "panel-note digits-pick", dataset: { testid: "confusion-pick" } });
  galleryPick.setAttribute("aria-live", "polite");
  confusionPick.setAttribute("aria-live", "polite");
  slot.append(
    el("h2", { textContent: "First-layer weights" }), weightNote, weightGrid,
    el("h2", { textContent: "Test digits" }), galleryNote, gallery, galleryPick,
    el("h2", { textContent: "Confusion matrix" }), confusionNote, confusionWrap, confusionPick,
  );
  const showPicked = (container, selector, pick, hint) => {
    pick.textContent = hint;
    container.addEventListener("click", (event) => {
      const picked = event.target.closest(selector);
      if (!picked?.title) return;
      container.querySelector(".picked")?.classList.remove("picked");
      picked.classList.add("picked");
      pick.textContent = picked.title;
    });
  };
  showPicked(gallery, "figure", galleryPick, "Tap (click) an image for its row and the network's confidence.");
  showPicked(confusion, "td", confusionPick, "Tap (click) a cell for its share of the row.");

  let shape = null;            // [rows, cols] of an image
  let weightCells = [];        // [{canvas, ctx, image, values}]
  let latest = null;           // the newest snapshot
  let evaluationKey = null;    // what the shown evaluation was computed for
  let lastEvaluation = null;
  let galleryCells = [];       // reused sample figures

  // --- first-layer weights ------------------------------------------------------------------
  const drawWeights = () => {
    const W = latest?.params?.[0]?.W;
    if (!shape || !W || !W.length) return;
    const units = Math.min(MAX_WEIGHT_IMAGES, W[0].length);
    if (weightCells.length !== units) {
      weightGrid.replaceChildren();
      weightCells = Array.from({ length: units }, (_, j) => {
        const canvas = el("canvas", { width: shape[1], height: shape[0], className: "weight-canvas" });
        canvas.title = `hidden unit ${j + 1}: its weights from each pixel`;
        const ctx = canvas.getContext("2d");
        const image = ctx.createImageData(shape[1], shape[0]);
        weightGrid.append(el("figure", { className: "weight" }, canvas, el("figcaption", { textContent: `h${j + 1}` })));
        return { ctx, image, values: new Float64Array(shape[0] * shape[1]) };
      });
    }
    const p = palette();
    const limit = columnsMaxAbs(W, units);
    weightCells.forEach((cell, j) => {
      weightColumn(W, j, shape, cell.values);
      paintDiverging(cell.values, limit, p, cell.image.data);
      cell.ctx.putImageData(cell.image, 0, 0);
    });
    const total = app.topology?.layers?.[1] ?? units;
    weightNote.replaceChildren(
      `Each image is one hidden unit's weights from the ${shape[0]}\u00d7${shape[1]} pixels` +
        (total > units ? ` (the first ${units} of ${total} units)` : "") + ": ",
      el("span", { className: "swatch", style: `background:${rgb(p.pos)}` }), " positive, ",
      el("span", { className: "swatch", style: `background:${rgb(p.neg)}` }), ` negative; colour scale \u00b1${formatNumber(limit, 3)} (step ${formatCount(latest.step)}).`,
    );
  };
  const weights = new Refresher(drawWeights, { interval: WEIGHT_INTERVAL });

  // --- gallery and confusion matrix ---------------------------------------------------------
  const renderGallery = (result) => {
    const samples = result.samples ?? [];
    const imageShape = result.image_shape ?? shape;
    const wrong = samples.filter((s) => s.label !== s.predicted).length;
    galleryNote.textContent = samples.length
      ? `The first ${samples.length} test images: true label \u2192 the network's answer; ` +
        `${wrong} wrong (outlined, marked \u2717).`
      : "No test rows in this data.";
    while (galleryCells.length < samples.length) {
      const canvas = el("canvas", { width: imageShape[1], height: imageShape[0], className: "sample-canvas" });
      const ctx = canvas.getContext("2d");
      const caption = el("figcaption");
      const figure = el("figure", { className: "sample" }, canvas, caption);
      gallery.append(figure);
      galleryCells.push({ figure, canvas, ctx, caption, image: ctx.createImageData(imageShape[1], imageShape[0]) });
    }
    galleryCells.forEach((cell, i) => {
      const sample = samples[i];
      cell.figure.hidden = !sample;
      if (!sample) return;
      paintGrey(sample.inputs, cell.image.data);
      cell.ctx.putImageData(cell.image, 0, 0);
      const isWrong = sample.label !== sample.predicted;
      cell.figure.classList.toggle("wrong", isWrong);
      cell.figure.dataset.testid = isWrong ? "sample-wrong" : "sample-right";
      cell.caption.textContent = `${sample.label} \u2192 ${sample.predicted}${isWrong ? " \u2717" : ""}`;
      cell.figure.title = `test row ${sample.index}: label ${sample.label}, predicted ${sample.predicted}` +
        ` with confidence ${formatPercent(sample.confidence)}${isWrong ? " (wrong)" : ""}`;
    });
  };

  const renderConfusion = (result) => {
    const matrix = result.confusion ?? [];
    const classes = matrix.length;
    const p = palette();
    const totals = matrix.map((row) => row.reduce((a, b) => a + b, 0));
    confusionNote.textContent = `Rows: true class; columns: predicted. ${formatCount(result.rows)} ${result.split} rows, ` +
      `accuracy ${formatPercent(result.accuracy)}. Shade: share of the row (blue right, orange wrong).`;
    const head = el("tr", {}, el("th", { className: "corner", scope: "col", textContent: "true \\ pred" }),
      ...Array.from({ length: classes }, (_, k) => el("th", { scope: "col", textContent: String(k) })));
    const rows = matrix.map((row, t) => el("tr", {}, el("th", { scope: "row", textContent: String(t) }),
      ...row.map((count, k) => {
        const cell = confusionCell(count, totals[t], t === k, p);
        const td = el("td", { textContent: String(count) });
        td.style.background = rgb(cell.background);
        td.className = `${cell.text}${t === k ? " diagonal" : ""}${count === 0 ? " zero" : ""}`;
        td.title = `true ${t}, predicted ${k}: ${count} of ${totals[t]} (${formatPercent(cell.share)})`;
        return td;
      })));
    confusion.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  };

  const fetchEvaluation = async () => {
    const id = app.sessionId;
    const key = evaluationKey;
    if (!id || !shape) return;
    try {
      const result = await app.api.evaluation(id, "test", GALLERY_SIZE);
      if (id !== app.sessionId || !shape) return; // another session meanwhile
      lastEvaluation = result;
      slot.dataset.evaluatedStep = String(key?.step ?? "");
      renderGallery(result);
      renderConfusion(result);
    } catch (error) {
      if (id !== app.sessionId) return;
      galleryNote.textContent = `Could not evaluate: ${error.message}`;
    }
  };
  const evaluations = new Refresher(fetchEvaluation, { interval: GALLERY_INTERVAL });

  // --- events ---------------------------------------------------------------------------------
  app.bus.on("topology", (topology) => {
    const imageShape = topology.dataset?.image_shape;
    const isImage = Array.isArray(imageShape) && imageShape.length === 2;
    const changed = !isImage || !shape || shape[0] !== imageShape[0] || shape[1] !== imageShape[1];
    slot.hidden = !isImage;
    weights.cancel();
    evaluations.cancel();
    evaluationKey = null;
    latest = null;
    if (!isImage) {
      shape = null;
      return;
    }
    shape = imageShape;
    if (changed) {
      weightCells = [];
      galleryCells = [];
      weightGrid.replaceChildren();
      gallery.replaceChildren();
      confusion.replaceChildren();
    }
    weightNote.textContent = "waiting for the first weights\u2026";
    if (!lastEvaluation || changed) galleryNote.textContent = "loading test images\u2026";
  });

  app.bus.on("snapshot", (snap) => {
    if (!shape) return;
    latest = snap;
    const urgent = !snap.playing;
    weights.request({ urgent });
    const key = { session: app.sessionId, step: snap.step, loss: snap.loss?.train, phase: snap.phase };
    const same = evaluationKey && key.session === evaluationKey.session && key.step === evaluationKey.step
      && key.loss === evaluationKey.loss && key.phase === evaluationKey.phase;
    if (same) return;
    evaluationKey = key;
    evaluations.request({ urgent });
  });

  app.bus.on("theme", () => {
    if (!shape) return;
    if (latest) drawWeights();
    if (lastEvaluation) renderConfusion(lastEvaluation);
  });
}
