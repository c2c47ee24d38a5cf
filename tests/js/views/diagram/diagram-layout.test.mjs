import { test } from "node:test";
import assert from "node:assert/strict";

import {
  anchorSegment, bandPoints, biasLabelFits, canExpand, edgeLabelsFit, headerLines, headerPlacement,
  idealSpacing, layerName, layoutDiagram, pickAnchors, pillFont, segmentDistance, summary, textWidth,
  UNIT_CAP, visibleCount,
} from "../../../../static/js/views/diagram/diagram-layout.js";

const columnsFor = (sizes, options = {}) => sizes.map((size, l) => {
  const c = visibleCount(size, { expanded: options.expanded?.includes(l), available: options.available?.[l] ?? size });
  return { ...c, extra: c.more > 0 || Boolean(options.expanded?.includes(l)) };
});

test("a layer up to the cap is drawn whole", () => {
  assert.deepEqual(visibleCount(3), { count: 3, more: 0 });
  assert.deepEqual(visibleCount(16), { count: 16, more: 0 });
});

test("a wider layer shows its first 16 units and how many more", () => {
  assert.equal(UNIT_CAP, 16);
  assert.deepEqual(visibleCount(64), { count: 16, more: 48 });
  assert.deepEqual(visibleCount(512, { available: 32 }), { count: 16, more: 496 });
});

test("an expanded layer shows what the snapshot carries", () => {
  assert.deepEqual(visibleCount(50, { expanded: true }), { count: 50, more: 0 });
  assert.deepEqual(visibleCount(512, { expanded: true, available: 32 }), { count: 32, more: 480 });
  // never more than the frames carry, even collapsed
  assert.deepEqual(visibleCount(512, { available: 8 }), { count: 8, more: 504 });
});

test("canExpand only when expanding would draw more units", () => {
  assert.equal(canExpand(64, 64), true);
  assert.equal(canExpand(512, 32), true);
  assert.equal(canExpand(512, 16), false);
  assert.equal(canExpand(512, 32, { expanded: true }), false);
  assert.equal(canExpand(10, 10), false);
});

test("layout: columns left to right, nodes inside the drawing, evenly spaced", () => {
  const geo = layoutDiagram(columnsFor([2, 3, 1]), 600);
  assert.equal(geo.columns.length, 3);
  const xs = geo.columns.map((c) => c.x);
  assert.ok(xs[0] < xs[1] && xs[1] < xs[2]);
  assert.ok(Math.abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 1e-9);
  assert.ok(xs[0] - geo.pill.w / 2 > 0 && xs[2] + geo.pill.w / 2 < 600);
  for (const c of geo.columns) {
    for (const y of c.ys) assert.ok(y - c.pillH / 2 > geo.headerY + 10 && y + c.pillH / 2 < geo.footerY - 8, `y=${y}`);
    for (let i = 1; i < c.ys.length; i += 1) assert.ok(Math.abs(c.ys[i] - c.ys[i - 1] - c.spacing) < 1e-9);
    assert.equal(c.moreY, null);
  }
  assert.deepEqual(geo.columns.map((c) => c.ys.length), [2, 3, 1]);
  assert.ok(geo.height > geo.footerY);
});

test("layout: columns are centred on the same middle line", () => {
  const geo = layoutDiagram(columnsFor([2, 3, 1]), 600);
  const mid = (c) => (c.ys[0] + c.ys[c.ys.length - 1]) / 2;
  assert.ok(Math.abs(mid(geo.columns[0]) - mid(geo.columns[1])) < 1e-9);
  assert.ok(Math.abs(mid(geo.columns[2]) - mid(geo.columns[1])) < 1e-9);
});

test("layout: '+N more' sits below the last drawn unit, without overlapping it", () => {
  const geo = layoutDiagram(columnsFor([64, 512, 10], { available: [64, 32, 10] }), 560);
  const inputs = geo.columns[0];
  assert.equal(inputs.ys.length, 16);
  assert.ok(inputs.moreY > inputs.ys[15] + inputs.pillH / 2 + 8 - 1e-9);
  assert.equal(geo.columns[2].moreY, null);
  assert.ok(geo.height < 560, `height ${geo.height}`);
});

test("layout: an expanded layer packs its nodes closer instead of growing the drawing", () => {
  const collapsed = layoutDiagram(columnsFor([64, 50, 10]), 560);
  const expanded = layoutDiagram(columnsFor([64, 50, 10], { expanded: [0, 1] }), 560);
  assert.equal(expanded.columns[0].ys.length, 64);
  assert.equal(expanded.columns[1].ys.length, 50);
  assert.ok(expanded.height <= collapsed.height + 1e-9);
  const last = expanded.columns[0];
  assert.ok(last.moreY + 8 <= expanded.footerY, "the 'show fewer' node stays inside");
  assert.ok(last.spacing < collapsed.columns[0].spacing);
});

test("layout: ten layers of 16 fit a narrow drawing", () => {
  const sizes = [2, 16, 16, 16, 16, 16, 16, 16, 16, 1];
  const geo = layoutDiagram(columnsFor(sizes), 420);
  assert.equal(geo.columns.length, 10);
  assert.ok(geo.columns[9].x + geo.pill.w / 2 <= 420);
  assert.ok(geo.pill.w < geo.gap, "pills never touch the next column");
});

test("small nets get more room between nodes than big ones", () => {
  assert.ok(idealSpacing(3) > idealSpacing(8));
  assert.ok(idealSpacing(8) >= idealSpacing(17));
});

test("pill text only when it fits", () => {
  assert.ok(pillFont(58, 22) >= 10);
  assert.equal(pillFont(58, 4), 0);
  assert.equal(pillFont(16, 22), 0);
});

test("bias labels and edge labels only where there is room", () => {
  assert.equal(biasLabelFits(72, 22, 200), true);
  assert.equal(biasLabelFits(27, 17, 200), false);
  assert.equal(edgeLabelsFit(240, [2, 3, 1]), true);
  assert.equal(edgeLabelsFit(240, [2, 4, 2, 1]), false);
  assert.equal(edgeLabelsFit(100, [2, 3, 1]), false);
});

test("layer names say role and activation", () => {
  assert.equal(layerName(0, 3, undefined), "inputs");
  assert.equal(layerName(1, 3, "tanh"), "hidden 1 (tanh)");
  assert.equal(layerName(2, 3, "sigmoid"), "output (sigmoid)");
});

test("headers: the long form when it fits, shorter forms when not", () => {
  assert.deepEqual(headerLines(1, 3, "tanh", 8, 200), ["hidden 1 (tanh)", "8 units"]);
  assert.deepEqual(headerLines(2, 3, "sigmoid", 1, 200), ["output (sigmoid)", "1 unit"]);
  assert.deepEqual(headerLines(0, 3, undefined, 64, 200), ["inputs", "64 units"]);
  const narrow = headerLines(4, 10, "relu", 16, 50);
  assert.ok(narrow.every((line) => textWidth(line, 11) <= 50), narrow.join("|"));
  assert.deepEqual(headerLines(4, 10, "relu", 16, 10), ["h4", "16"]);
});

test("headers of the first and last column read inward", () => {
  assert.equal(headerPlacement(0, 3, 40, 200, 500).anchor, "start");
  assert.equal(headerPlacement(2, 3, 460, 200, 500).anchor, "end");
  assert.equal(headerPlacement(1, 3, 250, 200, 500).anchor, "middle");
  assert.equal(headerPlacement(1, 3, 250, 200, 500).maxWidth, 192);
});

test("summary for the aria-label", () => {
  assert.equal(summary([2, 3, 1], ["sigmoid", "linear"]),
    "Neural network 2-3-1: 2 inputs, hidden layer 1 with 3 sigmoid units, 1 linear output unit.");
  assert.equal(summary([64, 50, 10], ["sigmoid", "softmax"]),
    "Neural network 64-50-10: 64 inputs, hidden layer 1 with 50 sigmoid units, 10 softmax output units.");
});

test("the hit band is `width` wide around the edge", () => {
  const points = bandPoints(0, 0, 100, 0, 10).split(" ").map((p) => p.split(",").map(Number));
  assert.deepEqual(points, [[0, 5], [100, 5], [100, -5], [0, -5]]);
});

test("the anchor centres the edge's box at fraction t", () => {
  for (const t of [0.2, 0.35, 0.65, 0.8]) {
    const [x1, y1, x2, y2] = [10, 20, 110, 220];
    const [ax, ay, bx, by] = anchorSegment(x1, y1, x2, y2, t);
    const xs = [x1, x2, ax, bx];
    const ys = [y1, y2, ay, by];
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
    const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    assert.ok(Math.abs(cx - (x1 + t * (x2 - x1))) < 1e-9, `t=${t}`);
    assert.ok(Math.abs(cy - (y1 + t * (y2 - y1))) < 1e-9, `t=${t}`);
  }
});

test("pickAnchors avoids the point where symmetric edges cross", () => {
  // 2 inputs at y = 100, 172 to 3 units at y = 64, 136, 208: edges (0->1) and (1->0)
  // cross at their midpoints.
  const edges = [];
  for (const a of [100, 172]) for (const b of [64, 136, 208]) edges.push([0, a, 200, b]);
  const anchors = pickAnchors(edges);
  anchors.forEach((t, k) => {
    const [x1, y1, x2, y2] = edges[k];
    const px = x1 + t * (x2 - x1);
    const py = y1 + t * (y2 - y1);
    edges.forEach((other, m) => {
      if (m !== k) assert.ok(segmentDistance(px, py, ...other) >= 10, `edge ${k} at t=${t} is near edge ${m}`);
    });
  });
});

test("segmentDistance", () => {
  assert.equal(segmentDistance(5, 5, 0, 0, 10, 0), 5);
  assert.equal(segmentDistance(-3, 4, 0, 0, 10, 0), 5);
});

test("layout: room kept left of the inputs (the feature switches) moves every column right", () => {
  const plain = layoutDiagram(columnsFor([3, 4, 1]), 600);
  const roomy = layoutDiagram(columnsFor([3, 4, 1]), 600, { left: 120 });
  assert.ok(Math.abs(roomy.columns[0].x - plain.columns[0].x - 120) < 1e-9);
  const last = roomy.columns[2];
  assert.ok(Math.abs(last.x - plain.columns[2].x) < 1e-9);  // the output stays at the right edge
  assert.ok(roomy.columns[0].x - roomy.pill.w / 2 >= 120);
  // A tall column of switches beside the inputs: the nodes' part is at least as tall.
  const tall = layoutDiagram(columnsFor([2, 1]), 600, { left: 120, minBody: 260 });
  assert.ok(tall.footerY - tall.bodyY >= 260 && tall.bodyY > tall.headerY);
});
