import { test } from "node:test";
import assert from "node:assert/strict";

import { parseMessage, withGridAxes } from "../../../static/js/shell/connection.js";

const axes = (n) => ({ x: [...Array(n).keys()], y: [...Array(n).keys()], unit_x: [0, 1], unit_y: [0, 1] });
const frame = (extra = {}) => ({ type: "snapshot", step: 1, grid: { encoding: "u8", output: [], layers: [] }, ...extra });

test("a frame's grid gets the axes it came with, and later frames the same ones", () => {
  const socket = { gridAxes: null };
  const first = withGridAxes(frame({ grid_axes: axes(3) }), socket);
  assert.deepEqual(first.grid.x, [0, 1, 2]);
  assert.deepEqual(first.grid.unit_y, [0, 1]);
  const later = withGridAxes(frame(), socket);
  assert.deepEqual(later.grid.x, [0, 1, 2]);
  assert.deepEqual(later.grid.y, [0, 1, 2]);
});

test("new axes replace the old ones; a frame without a grid keeps them for later", () => {
  const socket = { gridAxes: null };
  withGridAxes(frame({ grid_axes: axes(3) }), socket);
  const none = withGridAxes({ type: "snapshot", step: 2, grid: null, grid_axes: axes(5) }, socket);
  assert.equal(none.grid, null);
  assert.equal(withGridAxes(frame(), socket).grid.x.length, 5);
});

test("a grid that carries its own axes and other messages are left alone", () => {
  const socket = { gridAxes: axes(3) };
  const own = withGridAxes(frame({ grid: { encoding: "u8", x: [9], y: [9], output: [] } }), socket);
  assert.deepEqual(own.grid.x, [9]);
  const topology = { type: "topology", grid_axes: axes(7) };
  assert.equal(withGridAxes(topology, socket), topology);
  assert.equal(socket.gridAxes.x.length, 3);
});

test("before any axes arrive a grid stays as it came", () => {
  const socket = { gridAxes: null };
  assert.equal(withGridAxes(frame(), socket).grid.x, undefined);
});

test("server messages are parsed whether they come as bytes or as text", () => {
  const bytes = new TextEncoder().encode('{"type":"error","message":"Grüße ∂L/∂w"}');
  assert.deepEqual(parseMessage(bytes.buffer), { type: "error", message: "Grüße ∂L/∂w" });
  assert.deepEqual(parseMessage('{"type":"topology"}'), { type: "topology" });
  assert.equal(parseMessage(new TextEncoder().encode("not json").buffer), undefined);
});
