// The diagram's inline editor: a number field next to a weight or bias. Enter applies,
// Escape (or leaving the field) cancels. One at a time.

let current = null;

// Opens the editor under `anchor` (an element) with `value`; calls apply(number) on Enter
// with a finite number, invalid(message) otherwise.
export function openEditor({ anchor, name, value, apply, invalid }) {
  current?.remove();
  const box = anchor.getBoundingClientRect();
  const form = Object.assign(document.createElement("div"), { className: "diagram-editor" });
  const label = Object.assign(document.createElement("label"), { textContent: `${name} = ` });
  const input = Object.assign(document.createElement("input"), { type: "number", step: "any" });
  input.dataset.testid = "weight-editor";
  input.value = Number.isFinite(value) ? String(value) : "";
  label.append(input);
  form.append(label);
  form.style.left = `${Math.max(4, box.left + box.width / 2 - 60) + window.scrollX}px`;
  form.style.top = `${box.top + box.height / 2 + 10 + window.scrollY}px`;
  document.body.append(form);
  current = form;
  const close = () => {
    if (current === form) current = null;
    form.remove();
  };
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
    if (event.key !== "Enter") return;
    event.preventDefault();
    const number = Number(input.value);
    if (input.value.trim() === "" || !Number.isFinite(number)) {
      invalid(`${name}: enter a finite number`);
      return;
    }
    close();
    apply(number);
  });
  input.addEventListener("blur", () => setTimeout(close, 0));
  input.focus();
  input.select();
  return close;
}
