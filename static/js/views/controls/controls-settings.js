// The training settings at the bottom of the page: optimizer, batches, regularization,
// gradient method, loss, data type. Live settings go out as `app.setLive`, the rest as a
// rebuild (see controls.js).
import {
  BATCH_ORDERS, DTYPES, GRADIENT_METHODS, LOSSES, OPTIMIZERS, OPTIMIZER_SETTINGS,
  REGULARIZATIONS, choices, parseInteger, parseNumber, setLoss,
} from "./controls-model.js";
import { el } from "../../lib/dom.js";
import {
  field, select, fill, numberInput, setValue, onCommit, rebuilder, refuse,
} from "./controls-fields.js";

// --- training settings (bottom) --------------------------------------------------------

export function mountSettings(app, ui) {
  const root = document.getElementById("hyper-panel");
  const rebuild = ui.rebuild ??= rebuilder(app, ui);
  const group = (legend, ...children) => el("fieldset", { class: "ctl-group" }, el("legend", {}, legend), ...children);

  // A live number: sent as {section: {key: value}}; a refusal comes back as an error and
  // the next sync puts the server's value back.
  const liveNumber = (section, key, testid, attrs) => {
    const input = numberInput(testid, attrs);
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

  const loss = select("loss", LOSSES);
  loss.addEventListener("change", () => rebuild((c) => setLoss(c, loss.value)));

  const optimizer = liveSelect("optimizer", "name", "optimizer", OPTIMIZERS);
  const lr = liveNumber("optimizer", "lr", "lr", { min: 0, max: 100 });
  const optFields = {
    momentum: field("momentum", liveNumber("optimizer", "momentum", "momentum", { min: 0, max: 1 })),
    rho: field("rho (decay)", liveNumber("optimizer", "rho", "rho", { min: 0, max: 1 })),
    beta1: field("beta1", liveNumber("optimizer", "beta1", "beta1", { min: 0, max: 1 })),
    beta2: field("beta2", liveNumber("optimizer", "beta2", "beta2", { min: 0, max: 1 })),
    eps: field("epsilon", liveNumber("optimizer", "eps", "optimizer-eps", { min: 0, max: 1 })),
  };

  const batchSize = numberInput("batch-size", { min: 1, max: 10000, step: 1 });
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
  const order = liveSelect("batch", "order", "batch-order", BATCH_ORDERS);

  const gradient = liveSelect("gradient", "method", "gradient", GRADIENT_METHODS);
  const gradEps = field("nudge (epsilon)", liveNumber("gradient", "epsilon", "gradient-epsilon", { min: 0, max: 1 }));

  const regKind = liveSelect("regularization", "kind", "regularization", REGULARIZATIONS);
  const regRate = field("rate", liveNumber("regularization", "rate", "regularization-rate", { min: 0, max: 10 }));

  const dtype = select("dtype", DTYPES);
  dtype.addEventListener("change", () => rebuild(() => ({ dtype: dtype.value })));

  root.append(
    group("loss", field("loss function", loss)),
    group("optimizer", field("rule", optimizer), field("learning rate", lr), ...Object.values(optFields)),
    group("batch", field("batch size", batchSize),
      el("label", { class: "ctl-check" }, full, el("span", {}, "full batch")),
      field("order", order)),
    group("gradient", field("method", gradient), gradEps),
    group("regularization", field("kind", regKind), regRate),
    group("numbers", field("precision", dtype, { title: "float64 (double) or float32 (single) arithmetic", help: true })),
  );

  return {
    sync() {
      const c = app.config;
      loss.value = c.loss;
      fill(optimizer, choices(OPTIMIZERS, c.optimizer.name));
      optimizer.value = c.optimizer.name;
      setValue(lr, c.optimizer.lr);
      const applies = new Set(OPTIMIZER_SETTINGS[c.optimizer.name] ?? []);
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
      gradEps.hidden = c.gradient.method === "backprop";
      setValue(gradEps.querySelector("input"), c.gradient.epsilon);
      regKind.value = c.regularization.kind;
      regRate.hidden = c.regularization.kind === "none";
      setValue(regRate.querySelector("input"), c.regularization.rate);
      dtype.value = c.dtype;
    },
  };
}
