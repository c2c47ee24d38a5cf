// Number formatting for people. The values are the engine's; this only decides how many
// digits to show.

const DASH = "\u2013";

// A fixed number of decimals, switching to exponent form for very small or large values.
export function formatNumber(value, decimals = 4) {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  if (!Number.isFinite(value)) return value > 0 ? "\u221e" : "-\u221e";
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 10 ** -decimals || magnitude >= 1e6)) {
    return value.toExponential(Math.max(1, decimals - 1)).replace("e+", "e");
  }
  const text = value.toFixed(decimals);
  // -0.0000 reads as a sign error; show 0.
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

// `value` in at most `chars` characters where it can be: fewer decimals first, then the
// exponent form with fewer digits ("3.2e151", "3e151"). For a pill or label that has room
// for so many; the full value is shown elsewhere (data-value, the tooltip, the formula).
export function fitNumber(value, decimals, chars) {
  let text = formatNumber(value, decimals);
  for (let d = decimals - 1; text.length > chars && d >= 0; d -= 1) text = formatNumber(value, d);
  if (text.length > chars && Number.isFinite(value) && value !== 0) {
    for (let digits = 1; digits >= 0 && text.length > chars; digits -= 1) {
      text = value.toExponential(digits).replace("e+", "e");
    }
  }
  return text;
}

// Losses span many orders of magnitude: 5 significant digits.
export function formatLoss(value) {
  if (value === null || value === undefined) return DASH;
  if (!Number.isFinite(value)) return formatNumber(value);
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(3).replace("e+", "e");
  return Number(value.toPrecision(5)).toString();
}

export function formatPercent(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return `${(100 * value).toFixed(1)}%`;
}

export function formatCount(value) {
  return Number.isFinite(value) ? value.toLocaleString("en-US") : DASH;
}
