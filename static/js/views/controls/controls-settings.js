// The training settings at the bottom of the page: optimizer, batches, regularization,
// gradient method, loss, data type. Live settings go out as `app.setLive`, the rest as a
// rebuild (see controls.js).
import { choices, inputLimits, parseInteger, parseNumber, setLoss } from "./controls-model.js";
import { el } from "../../lib/dom.js";
import {
  field, select, fill, numberInput, setValue, onCommit, rebuilder, refuse,
} from "./controls-fields.js";

// --- training settings (bottom) --------------------------------------------------------

export function mountSettings(app, ui) {
  const root = document.getElementById("hyper-panel");
  const rebuild = ui.rebuild ??= rebuilder(app, ui);
  const group = (legend, ...children) => el("fieldset", { class: "ctl-group" }, el("legend", {}, legend), ...children);
  const { vocab } = ui;
  const allowed = (path) => vocab.field(path).choices;

  // A live number: sent as {section: {key: value}}; a refusal comes back as an error and
  // the next sync puts the server's value back.
  const liveNumber = (section, key, testid) => {
    const input = numberInput(testid, inputLimits(vocab.field(`${section}.${key}`)));
    onCommit(input, () => {
      const value = parseNumber(input.value);
      if (value === null) {
        refuse(app, `${section}.${key}`, "enter a number");
        ui.sync(true);
        return;
      }
      app.setLive({ [section]: { [key]: value } });
    });
    return input;
  };
  const liveSelect = (section, key, testid, values) => {
    const node = select(testid, values);
    node.addEventListener("change", () => app.setLive({ [section]: { [key]: node.value } }));
    return node;
  };

  const loss = select("loss", allowed("loss"));
  loss.addEventListener("change", () => rebuild((c) => setLoss(vocab, c, loss.value)));

  const optimizer = liveSelect("optimizer", "name", "optimizer", allowed("optimizer.name"));
  const lr = liveNumber("optimizer", "lr", "lr");
  const optFields = {
    momentum: field("momentum", liveNumber("optimizer", "momentum", "momentum")),
    rho: field("rho (decay)", liveNumber("optimizer", "rho", "rho")),
    beta1: field("beta1", liveNumber("optimizer", "beta1", "beta1")),
    beta2: field("beta2", liveNumber("optimizer", "beta2", "beta2")),
    eps: field("epsilon", liveNumber("optimizer", "eps", "optimizer-eps")),
  };

  const batchSize = numberInput("batch-size", inputLimits(vocab.field("batch.size")));
  onCommit(batchSize, () => {
    const value = parseInteger(batchSize.value);
    if (value === null) {
      refuse(app, "batch.size", "enter a whole number");
      ui.sync(true);
      return;
    }
    app.setLive({ batch: { size: value } });
  });
  const full = el("input", { type: "checkbox", testid: "batch-full" });
  full.addEventListener("change", () => {
    // Back from full batch: the number last shown, or 10.
    const size = full.checked ? null : parseInteger(batchSize.value) ?? 10;
    app.setLive({ batch: { size } });
  });
  const order = liveSelect("batch", "order", "batch-order", allowed("batch.order"));

  const gradient = liveSelect("gradient", "method", "gradient", allowed("gradient.method"));
  const gradEps = field("nudge (epsilon)", liveNumber("gradient", "epsilon", "gradient-epsilon"));

  const regKind = liveSelect("regularization", "kind", "regularization", allowed("regularization.kind"));
  const regRate = field("rate", liveNumber("regularization", "rate", "regularization-rate"));

  const dtype = select("dtype", allowed("dtype"));
  dtype.addEventListener("change", () => rebuild(() => ({ dtype: dtype.value })));

  root.append(
    group("loss", field("loss function", loss)),
    group("optimizer", field("rule", optimizer), field("learning rate", lr), ...Object.values(optFields)),
    group("batch", field("batch size", batchSize),
      el("label", { class: "ctl-check" }, full, el("span", {}, "full batch")),
      field("order", order)),
    group("gradient", field("method", gradient), gradEps),
    group("regularization", field("kind", regKind), regRate),
    group("numbers", field("precision", dtype, { title: vocab.field("dtype").help, help: true })),
  );

  return {
    sync() {
      const c = app.config;
      loss.value = c.loss;
      fill(optimizer, choices(allowed("optimizer.name"), c.optimizer.name));
      optimizer.value = c.optimizer.name;
      setValue(lr, c.optimizer.lr);
      const applies = new Set(vocab.optimizerSettings[c.optimizer.name] ?? []);
      for (const [key, wrapper] of Object.entries(optFields)) {
        wrapper.hidden = !applies.has(key);
        setValue(wrapper.querySelector("input"), c.optimizer[key]);
      }
      full.checked = c.batch.size === null;
      batchSize.disabled = c.batch.size === null;
      setValue(batchSize, c.batch.size);
      batchSize.placeholder = c.batch.size === null ? "all" : "";
      order.value = c.batch.order;
      gradient.value = c.gradient.method;
      gradEps.hidden = !vocab.field("gradient.epsilon").applies.values.includes(c.gradient.method);
      setValue(gradEps.querySelector("input"), c.gradient.epsilon);
      regKind.value = c.regularization.kind;
      regRate.hidden = !vocab.field("regularization.rate").applies.values.includes(c.regularization.kind);
      setValue(regRate.querySelector("input"), c.regularization.rate);
      dtype.value = c.dtype;
    },
  };
}
