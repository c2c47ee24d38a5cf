// The rows of a CSV as a table under the box, each cell an input: a row added (a copy of
// the last, to change) or deleted with a button. Every edit writes the whole CSV back into
// the box (csvText), and the server checks it as if it had been typed there. The server
// sends the first rows as written (`head`, with their lines, which its errors name); a
// longer file is shown, not edited, here.
import { el } from "../../lib/dom.js";
import { csvText, editRows } from "./controls-model.js";

export function mountCsvTable(onEdit) {
  const head = el("thead");
  const body = el("tbody");
  const add = el("button", { type: "button", testid: "csv-add-row", class: "ctl-small" }, "+ row");
  const note = el("p", { class: "ctl-note", testid: "csv-table-note" });
  const wrap = el("div", { class: "ctl-csv-table-wrap" },
    el("table", { class: "ctl-csv-table", testid: "csv-table", "aria-label": "the CSV's rows" }, head, body));
  const box = el("div", { class: "ctl-csv-rows", hidden: true }, wrap, add, note);
  // What the table shows: {header, lines, rows, whole}; `whole`: every row of the file is
  // here, so the table may rewrite the file.
  let shown = null;

  const edit = (change) => {
    const rows = editRows(shown.rows, change);
    // The box is rewritten: a header on line 1, a row on each line after it.
    shown = { ...shown, rows, lines: rows.map((_, i) => i + 2) };
    draw();
    onEdit(csvText(shown.header, rows));
  };
  add.addEventListener("click", () => edit({ kind: "add" }));

  const hidden = (words) => el("span", { class: "ctl-sr" }, words);

  function draw() {
    const { header, lines, rows, whole } = shown;
    const active = box.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    // Each cell is labelled by its line's and its column's headers, both on screen.
    head.replaceChildren(el("tr", {}, el("th", { scope: "col" }, "line"),
      ...header.map((name, j) => el("th", { scope: "col", id: `csv-column-${j}` }, name)),
      whole ? el("th", { scope: "col" }, hidden("delete")) : null));
    body.replaceChildren(...rows.map((cells, i) => {
      const inputs = cells.map((value, j) => {
        const input = el("input", { type: "text", value, readOnly: !whole, testid: `csv-cell-${i}-${j}`,
          "aria-labelledby": `csv-line-${i} csv-column-${j}` });
        input.addEventListener("change", () => edit({ kind: "set", row: i, column: j, value: input.value }));
        return el("td", {}, input);
      });
      const remove = whole ? el("button", { type: "button", class: "ctl-small", testid: `csv-delete-row-${i}`,
        "aria-label": `delete line ${lines[i]}`, title: `delete line ${lines[i]}`, disabled: rows.length <= 1 }, "\u00d7") : null;
      remove?.addEventListener("click", () => edit({ kind: "delete", row: i }));
      const line = el("th", { scope: "row", id: `csv-line-${i}` }, hidden("line "), String(lines[i]));
      return el("tr", {}, line, ...inputs, remove ? el("td", {}, remove) : null);
    }));
    add.hidden = !whole;
    note.textContent = whole ? "Edit a cell, then leave it: the box and the check follow."
      : `The first ${rows.length} rows; edit a longer file in the box.`;
    if (active) box.querySelector(`[data-testid="${CSS.escape(active)}"]`)?.focus();
  }

  return {
    element: box,
    // The server's reading of the box (POST /api/datasets/check), or null: no table.
    show(answer) {
      box.hidden = !answer?.head;
      if (!answer?.head) return;
      const next = {
        header: answer.columns,
        lines: answer.head.map((row) => row.line),
        rows: answer.head.map((row) => row.cells),
        whole: answer.head.length === answer.n_train + answer.n_test,
      };
      if (JSON.stringify(next) === JSON.stringify(shown)) return; // the table's own edit, checked
      shown = next;
      draw();
    },
  };
}
