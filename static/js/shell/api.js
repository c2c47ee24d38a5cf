// REST calls. Errors come back as {"error": {"code", "message", "fields"}}; they are
// thrown as ApiError so the page can show the server's own words.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `request failed with ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? "http_error";
    this.fields = body?.error?.fields ?? [];
  }
}

// Every JSON call of the pages goes through here; `headers` adds to them (a bearer token).
export async function request(method, path, body, headers = {}) {
  const options = { method, headers: { ...headers } };
  if (body !== undefined) {
    options.headers["content-type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") ?? "";
  const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const api = {
  presets: () => request("GET", "/api/presets"),
  datasets: () => request("GET", "/api/datasets"),
  configFields: () => request("GET", "/api/config/fields"),
  checkData: (data) => request("POST", "/api/datasets/check", { data }),
  create: (config, query = "") => request("POST", `/api/sessions${query}`, config),
  get: (id, query = "") => request("GET", `/api/sessions/${id}${query}`),
  fork: (id, changes) => request("POST", `/api/sessions/${id}/fork`, changes),
  difference: (id, other) => request("GET", `/api/sessions/${id}/difference/${other}`),
  remove: (id, { unwatchedOnly = false } = {}) =>
    request("DELETE", `/api/sessions/${id}${unwatchedOnly ? "?unwatched_only=true" : ""}`),
  step: (id, body) => request("POST", `/api/sessions/${id}/step`, body),
  params: (id, params) => request("PUT", `/api/sessions/${id}/params`, { params }),
  patch: (id, partial) => request("PATCH", `/api/sessions/${id}`, partial),
  history: (id) => request("GET", `/api/sessions/${id}/history`),
  evaluation: (id, split = "test", limit = 24) =>
    request("GET", `/api/sessions/${id}/evaluation?split=${split}&limit=${limit}`),
  gradients: (id, query) => request("GET", `/api/sessions/${id}/gradients?${query}`),
  landscape: (id, query) => request("GET", `/api/sessions/${id}/landscape?${query}`),
  sweep: (id, body) => request("POST", `/api/sessions/${id}/sweep`, body),
  stopSweep: (id) => request("DELETE", `/api/sessions/${id}/sweep`),
  explainNeuron: (id, layer, unit, sample = 0) =>
    request("GET", `/api/sessions/${id}/explain/neuron?layer=${layer}&unit=${unit}&sample=${sample}`),
  explainWeight: (id, layer, i, j, sample = 0) =>
    request("GET", `/api/sessions/${id}/explain/weight?layer=${layer}&i=${i}&j=${j}&sample=${sample}`),
  diagnostics: (id) => request("GET", `/api/sessions/${id}/diagnostics`),
  at: (id, step, query = "") => request("GET", `/api/sessions/${id}/at/${step}${query}`),
  restore: (id) => request("POST", `/api/sessions/${id}/restore`),
  rewind: (id, step) => request("POST", `/api/sessions/${id}/rewind`, { step }),
  activation: (name, low = -6, high = 6, points = 121) =>
    request("GET", `/api/explorer/activation?name=${encodeURIComponent(name)}&low=${low}&high=${high}&points=${points}`),
  losses: (prediction, target) => request("POST", "/api/explorer/losses", { prediction, target }),
};
