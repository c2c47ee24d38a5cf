// A tiny event bus: components listen for what the server says ("topology", "snapshot",
// "history", "config", "diverged", "error", "notice", "connection") without knowing each other.
export class Bus {
  constructor() {
    this.handlers = new Map();
  }

  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
    return () => this.handlers.get(type)?.delete(handler);
  }

  emit(type, payload) {
    for (const handler of this.handlers.get(type) ?? []) {
      try {
        handler(payload);
      } catch (error) {
        // One broken view must not stop the others from updating.
        console.error(`handler for ${type} failed`, error);
      }
    }
  }
}
