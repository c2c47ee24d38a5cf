// A partial config over a whole one: `extra`'s objects merge into `base`'s key by key, its
// other values (numbers, strings, arrays, null) replace `base`'s. `base` is left as it was.
// Pure (tests/js/lib/merge.test.mjs).

export function mergeDeep(base, extra) {
  const out = structuredClone(base);
  for (const [key, value] of Object.entries(extra)) {
    const isObject = value && typeof value === "object" && !Array.isArray(value);
    out[key] = isObject && out[key] && typeof out[key] === "object" ? mergeDeep(out[key], value) : value;
  }
  return out;
}
