// "Your data" in the data panel: a CSV pasted into a box or read from a file, its target
// column chosen from the header, checked by the server (POST /api/datasets/check) before
// anything is replaced. A bad file's error (its line and column) shows under the box and
// the session stays as it is; a good one is used with "Use this data", which rebuilds the
// network with the input and output layers the server says the data needs.
import { el } from "../../lib/dom.js";
import { describeCsv, setCsv } from "./controls-model.js";
import { fill } from "./controls-fields.js";
import { mountCsvTable } from "./controls-csv-table.js";

// How long typing pauses before the box is checked.
const CHECK_DELAY_MS = 400;

export function mountCsv(app, ui, rebuild) {
  const text = el("textarea", {
    testid: "csv-text", id: "csv-text", class: "ctl-csv-text", rows: 6,
    placeholder: "x1,x2,label\n0.5,1.2,red\n-1,0.3,blue", "aria-describedby": "csv-error csv-summary",
  });
  text.spellcheck = false; // numbers and column names, not words
  const file = el("input", { type: "file", testid: "csv-file", accept: ".csv,.txt,text/csv,text/plain" });
  const target = el("select", { testid: "csv-target", disabled: true });
  const summary = el("p", { class: "ctl-note", testid: "csv-summary", id: "csv-summary", "aria-live": "polite" });
  const error = el("p", { class: "ctl-csv-error", testid: "csv-error", id: "csv-error", role: "alert", hidden: true });
  const use = el("button", { type: "button", testid: "csv-use", class: "primary", disabled: true }, "Use this data");
  const box = el("details", { class: "ctl-csv", testid: "your-data" },
    el("summary", {}, "Your data (CSV)"),
    el("label", { class: "ctl-field ctl-csv-field", for: "csv-text" },
      el("span", { class: "ctl-label" }, "CSV with a header row"), text),
    el("label", { class: "ctl-field" }, el("span", { class: "ctl-label" }, "or a file"), file),
    el("label", { class: "ctl-field" }, el("span", { class: "ctl-label" }, "target column"), target),
    error, summary);
  // Edits in the table write the whole CSV into the box, checked at once.
  const table = mountCsvTable((csv) => {
    text.value = csv;
    check();
  });
  box.append(table.element, use);

  // The last answer of the server for what the box holds: {text, target, summary}; checks
  // are numbered so that a slow answer to an older text is dropped.
  let checked = null;
  let asked = 0;
  let timer = null;
  let synced = null; // the session's CSV the box was last given

  const chosenTarget = () => (target.value && target.selectedIndex !== target.length - 1 ? target.value : null);
  const showError = (message) => {
    error.textContent = message ?? "";
    error.hidden = !message;
    text.setAttribute("aria-invalid", message ? "true" : "false");
  };

  // `column`: the target asked for (null: the last column).
  const check = async (column = chosenTarget()) => {
    clearTimeout(timer);
    const csv = text.value;
    const id = ++asked;
    checked = null;
    use.disabled = true;
    if (!csv.trim()) {
      showError(null);
      summary.textContent = "";
      table.show(null);
      return;
    }
    summary.textContent = "checking…";
    try {
      const answer = await app.api.checkData({ name: "csv", text: csv, target: column });
      if (id !== asked) return;
      fill(target, answer.columns, {});
      target.disabled = false;
      target.value = column ?? answer.columns[answer.columns.length - 1];
      checked = { text: csv, target: column, summary: answer };
      showError(null);
      summary.textContent = describeCsv(answer);
      table.show(answer);
      use.disabled = false;
    } catch (failure) {
      if (id !== asked) return;
      // A new text without the column chosen for the old one: its last column, then.
      if (column !== null && failure.fields?.some((f) => f.field === "data.target")) {
        check(null);
        return;
      }
      const named = failure.fields?.find((f) => f.field === "data.text" || f.field === "data.target");
      showError(named ? `${named.field === "data.target" ? "target column" : "CSV"}: ${named.reason}` : failure.message);
      summary.textContent = "";
    }
  };
  const checkSoon = () => {
    clearTimeout(timer);
    use.disabled = true;
    timer = setTimeout(check, CHECK_DELAY_MS);
  };

  text.addEventListener("input", checkSoon);
  target.addEventListener("change", () => check());
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    // A file the server would refuse by its size alone is not read into the page.
    const most = app.datasets.find((d) => d.name === "csv")?.params?.text?.max_bytes;
    if (most && chosen.size > most) {
      showError(`${chosen.name} has ${chosen.size.toLocaleString("en-US")} bytes: at most ${most.toLocaleString("en-US")}`);
      return;
    }
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      text.value = String(reader.result ?? "");
      check(null);
    });
    reader.addEventListener("error", () => showError(`${chosen.name} could not be read: ${reader.error?.message ?? "unknown error"}`));
    reader.readAsText(chosen);
  });
  use.addEventListener("click", () => {
    if (!checked) return;
    const { text: csv, target: column, summary: answer } = checked;
    rebuild((config) => setCsv(ui.vocab, config, answer, csv, column));
  });

  return {
    element: box,
    // The session's CSV in the box when it becomes the data (a reload, "Use this data"),
    // not at every sync: what the user is typing or has pasted stays until then.
    sync() {
      const data = app.config.data;
      const now = data.name === "csv" ? data.text : null;
      if (now === synced) return;
      synced = now;
      if (now === null || text.value === now) return;
      text.value = now;
      box.open = true;
      check(data.target);
    },
  };
}
