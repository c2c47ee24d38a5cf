// The legibility of a presentation stage (tests/browser/test_lessons.py): the smallest body
// text on it, in px as drawn (the stage's scale applied; SVG figures, chart labels and
// sub/superscripts aside), and every element cut off: drawn outside the stage or outside
// a box of it that clips (overflow other than visible).
() => {
  const content = document.querySelector('.present-content');
  const scale = parseFloat(content.dataset.scale);
  const stage = content.getBoundingClientRect();
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.dataset.testid ? `[${el.dataset.testid}]` : '');
  const outside = (box, r) => Math.max(r.top - box.top, box.bottom - r.bottom, r.left - box.left, box.right - r.right);
  let smallest = { size: Infinity, text: '' };
  const cut = [];
  for (const el of content.querySelectorAll('*')) {
    if (el instanceof SVGElement && !(el instanceof SVGSVGElement)) continue;
    if (el.closest('.js-plotly-plot') && !el.classList.contains('js-plotly-plot')) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const leaf = ownText || ['CANVAS', 'INPUT', 'SELECT', 'BUTTON', 'IMG', 'svg'].includes(el.tagName) || el.matches('.js-plotly-plot');
    if (!leaf || !shown(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (ownText && !el.closest('sub, sup')) {
      const size = parseFloat(getComputedStyle(el).fontSize) * scale;
      if (size < smallest.size) smallest = { size, text: el.textContent.trim().slice(0, 30), where: describe(el) };
    }
    let out = outside(box, stage);
    let by = 'the stage';
    for (let a = el.parentElement; a && a !== content; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const o = outside(box, a.getBoundingClientRect());
      if (o > out) { out = o; by = describe(a); }
    }
    if (out > 1.5) cut.push(`${describe(el)} "${(el.textContent || '').trim().slice(0, 24)}" by ${Math.round(out)} px (${by})`);
  }
  return { scale, smallest, cut };
}
