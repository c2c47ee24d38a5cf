// The diagram's one tooltip: an absolutely positioned div (role="tooltip",
// data-testid="tooltip") that follows the element under the pointer or the focus.

export class Tooltip {
  constructor() {
    this.element = Object.assign(document.createElement("div"), { className: "diagram-tooltip", hidden: true });
    this.element.setAttribute("role", "tooltip");
    this.element.dataset.testid = "tooltip";
    this.element.id = "diagram-tooltip";  // what a focused element's aria-describedby points at
    document.body.append(this.element);
    this.owner = null;  // the element it describes
  }

  // Shows `lines` (the first as a title) for `owner`, near the pointer of `event` (or the
  // owner's middle when the event has no position, as for focus).
  show(owner, lines, event) {
    this.owner = owner;
    this.fill(lines);
    const tip = this.element;
    tip.hidden = false;
    const box = owner.getBoundingClientRect();
    const x = event?.clientX || box.left + box.width / 2;
    const y = event?.clientY || box.top + box.height / 2;
    const size = tip.getBoundingClientRect();
    const root = document.documentElement;
    const left = Math.min(x + 14, root.clientWidth - size.width - 8);
    const top = y + 16 + size.height > root.clientHeight ? y - size.height - 12 : y + 16;
    tip.style.left = `${Math.max(4, left) + window.scrollX}px`;
    tip.style.top = `${Math.max(4, top) + window.scrollY}px`;
  }

  // New text in place (per frame while shown): rows are reused, only changed text is written.
  fill(lines) {
    const rows = this.element.children;
    if (rows.length !== lines.length) {
      this.element.replaceChildren(...lines.map(() => document.createElement("div")));
      this.element.firstChild.className = "tip-title";
    }
    lines.forEach((line, k) => { if (rows[k].textContent !== line) rows[k].textContent = line; });
  }

  hide() {
    this.owner = null;
    this.element.hidden = true;
  }
}
