// Drawing the data on the output plane (2-D data only): with "edit data" on, a tap or
// click on empty space adds a point of the picked class (or target value), a drag moves a
// point, a tap on a point removes it, and "Clear" empties the set. Keyboard: the plane
// takes focus and shows a cursor, moved by the arrow keys (Shift: further); Enter or
// Space adds or removes at it. Off, the plane is as before: the page scrolls under a
// finger and the readout follows the pointer.
//
// One request per gesture (the socket's `data` command, as PUT /api/sessions/{id}/data),
// sent when the pointer is let go, not on every move. Until the server answers, the plane
// shows the draft; its answer (a topology message with the points) replaces it.
//
// Every drawn point is a training point: the server keeps no test rows once the data is
// edited. An empty set cannot train: "Clear" pauses the run and shows the empty plane,
// and the first point added sends the new set (until then the run keeps the old rows).
import { el } from "../../lib/dom.js";
import { rgb } from "../../lib/color.js";
import {
  Gesture, TOUCH_RADIUS, HIT_RADIUS, applyEdit, asTopologyPoints, cursorLabel, editAtCursor, editablePoints,
  moveCursor, rowsBody, toPx,
} from "./heatmap-edit.js";
import { HEIGHT, WIDTH } from "./heatmap-model.js";

export function mountEditor(app, { model, canvas, heading, colors, redraw }) {
  const toggle = el("input", { type: "checkbox", dataset: { testid: "edit-data" } });
  const toggleLabel = el("label", { className: "chart-toggle", title: "add, move and remove the data's points on the plane" },
    toggle, " edit data");
  heading.append(toggleLabel);
  const picker = el("div", { className: "edit-picker", role: "radiogroup", ariaLabel: "class of new points" });
  const target = el("input", { type: "number", step: "0.1", value: "1", className: "edit-target",
    dataset: { testid: "edit-target" }, ariaLabel: "target of new points" });
  const targetLabel = el("label", { className: "edit-target-label" }, "target ", target);
  const clear = el("button", { type: "button", dataset: { testid: "edit-clear" }, title: "remove every point" }, "Clear");
  const hint = el("p", { className: "edit-hint", dataset: { testid: "edit-hint" } });
  const bar = el("div", { className: "edit-bar", dataset: { testid: "edit-bar" }, hidden: true },
    el("div", { className: "edit-tools" }, picker, targetLabel, clear), hint);

  let info = editablePoints(null);
  let testRows = 0;          // the data's test rows (an edit drops them)
  let draft = null;          // the points as edited, until the server's answer replaces them
  let picked = 0;            // the class new points get
  let gesture = null;
  let preview = null;        // a dragged point's place while it is dragged
  let cursor = null;         // the keyboard cursor on the plane (plane coordinates)

  const editing = () => toggle.checked && !toggle.disabled;
  const points = () => draft ?? info.points;
  const valueOfNew = () => (info.kind === "classes" ? picked : Number(target.value) || 0);

  const idleHint = () => {
    const what = info.kind === "classes" ? "a point of the picked class" : "a point with the target above";
    const tests = testRows ? " Drawn points are all training points: the test points go at the first edit." : "";
    return `Click or tap: add ${what}. Drag a point: move it. Tap a point: remove it. ` +
      `Keys: arrows move the cursor, Enter adds or removes.${tests}`;
  };

  const buildPicker = () => {
    picker.replaceChildren();
    picker.hidden = info.kind !== "classes";
    targetLabel.hidden = info.kind === "classes";
    if (info.kind !== "classes") return;
    picked = Math.min(picked, info.classes - 1);
    const p = colors();
    for (let k = 0; k < info.classes; k += 1) {
      const radio = el("input", { type: "radio", name: "edit-class", value: String(k), checked: k === picked,
        dataset: { testid: `edit-class-${k}` } });
      radio.addEventListener("change", () => { picked = k; });
      const swatch = el("span", { className: "swatch" });
      swatch.style.background = rgb(model.classColor(k, p));
      picker.append(el("label", { className: "chart-toggle" }, radio, swatch, ` class ${k}`));
    }
  };

  const refresh = () => {
    const on = editing();
    bar.hidden = !on;
    canvas.classList.toggle("editing", on);
    canvas.tabIndex = on ? 0 : -1;
    if (on && !cursor && model.domain) {
      const [[x0, x1], [y0, y1]] = model.domain;
      cursor = [(x0 + x1) / 2, (y0 + y1) / 2];
    }
    if (on && draft?.length === 0) hint.textContent = "The set is empty: the run is paused and waits for your first point (an empty set cannot train).";
    else if (on) hint.textContent = idleHint();
    describe();
    redraw();
  };

  const describe = () => {
    if (editing() && cursor) canvas.setAttribute("aria-description", cursorLabel(points(), cursor, model.domain, info.kind));
    else canvas.removeAttribute("aria-description");
  };

  // Send the points as they are after `edit`: one command, the draft shown meanwhile.
  const commit = (edit) => {
    if (!edit) return;
    const next = applyEdit(points(), edit, valueOfNew());
    draft = next;
    if (next.length) app.send({ type: "data", ...rowsBody(next, info.kind) });
    else app.send({ type: "pause" });  // nothing to train on until a point is added
    refresh();
  };

  // --- the topology: the server's points (its answer to an edit, or new data) ----------
  const setTopology = (topology) => {
    info = editablePoints(topology);
    testRows = topology?.dataset?.n_test ?? 0;
    draft = null;
    gesture = null;
    preview = null;
    toggle.disabled = Boolean(info.why);
    toggleLabel.title = info.why ? `cannot edit: ${info.why}` : "add, move and remove the data's points on the plane";
    buildPicker();
    refresh();
  };

  // --- pointer: mouse, pen and touch alike ------------------------------------------------
  const position = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) / box.width) * WIDTH, ((event.clientY - box.top) / box.height) * HEIGHT];
  };
  canvas.addEventListener("pointerdown", (event) => {
    if (!editing() || event.button > 0) return;
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    const [px, py] = position(event);
    gesture = new Gesture(points(), model.domain, px, py, event.pointerType === "touch" ? TOUCH_RADIUS : HIT_RADIUS);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!gesture) return;
    const at = gesture.move(...position(event));
    if (at) {
      preview = { index: gesture.index, at };
      redraw();
    }
  });
  canvas.addEventListener("pointerup", (event) => {
    if (!gesture) return;
    const edit = gesture.end(...position(event));
    gesture = null;
    preview = null;
    if (edit) {
      cursor = edit.at ?? cursor;
      commit(edit);
    } else redraw();
  });
  canvas.addEventListener("pointercancel", () => {
    gesture = null;
    preview = null;
    redraw();
  });

  // --- keyboard ---------------------------------------------------------------------------
  canvas.addEventListener("keydown", (event) => {
    if (!editing() || !cursor || event.ctrlKey || event.metaKey || event.altKey) return;
    const moved = moveCursor(cursor, event.key, model.domain, event.shiftKey);
    if (moved) cursor = moved;
    else if (event.key === "Enter" || event.key === " ") commit(editAtCursor(points(), cursor, model.domain));
    else return;
    event.preventDefault();
    event.stopPropagation();  // not the page's keys: Space plays, the right arrow steps
    describe();
    redraw();
  });
  canvas.addEventListener("focus", () => redraw());
  canvas.addEventListener("blur", () => redraw());

  // A refused edit (a bad row, a full server): back to the server's points.
  app.bus.on("error", () => {
    if (!draft?.length) return;
    draft = null;
    refresh();
  });
  toggle.addEventListener("change", refresh);
  clear.addEventListener("click", () => commit({ kind: "clear" }));

  return {
    setTopology,
    // The training points to draw: the draft (with a dragged point where it is), or null
    // for the topology's own.
    shown() {
      if (!draft && !preview) return null;
      let shown = points();
      if (preview) shown = applyEdit(shown, { kind: "move", index: preview.index, at: preview.at });
      return asTopologyPoints(shown, info.kind, info.classes);
    },
    // The keyboard cursor, drawn while the plane has the focus.
    drawCursor(ctx) {
      if (!editing() || !cursor || document.activeElement !== canvas) return;
      const [x, y] = toPx(cursor, model.domain);
      ctx.save();
      ctx.lineWidth = 2;
      ctx.strokeStyle = "rgba(0, 0, 0, 0.85)";
      ctx.beginPath();
      ctx.arc(x, y, 9, 0, 2 * Math.PI);
      ctx.moveTo(x - 14, y); ctx.lineTo(x - 5, y);
      ctx.moveTo(x + 5, y); ctx.lineTo(x + 14, y);
      ctx.moveTo(x, y - 14); ctx.lineTo(x, y - 5);
      ctx.moveTo(x, y + 5); ctx.lineTo(x, y + 14);
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
      ctx.beginPath();
      ctx.arc(x, y, 10.5, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.restore();
    },
    bar,
  };
}
