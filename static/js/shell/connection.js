// The live socket to one session. It reconnects by itself (with growing pauses) and, on
// reconnecting, resumes the same session: the server replays topology and a snapshot.
// The server's messages are binary, UTF-8 JSON (docs/protocol.md, "Delivery rules").

const utf8 = new TextDecoder();

export class Connection {
  constructor({ sessionId, view = {}, onMessage, onState }) {
    this.sessionId = sessionId;
    this.view = view;
    this.onMessage = onMessage;
    this.onState = onState;
    this.socket = null;
    this.closed = false;
    this.retries = 0;
    this.timer = null;
    this.queue = [];
    this.gridAxes = null; // the grid coordinates this socket was last sent
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // The view goes in the address too, so the very first frame already has the grid.
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(this.view)) {
      if (value !== null && value !== undefined) query.set(key, String(value));
    }
    const suffix = query.size ? `?${query}` : "";
    return `${scheme}://${location.host}/ws/sessions/${this.sessionId}${suffix}`;
  }

  open() {
    this.closed = false;
    const socket = new WebSocket(this.url());
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.gridAxes = null; // a new socket is sent them again with its first grid
    this.onState?.("connecting");
    socket.addEventListener("open", () => {
      this.retries = 0;
      this.onState?.("open");
      this.sendNow({ type: "view", ...this.view });
      for (const command of this.queue.splice(0)) this.sendNow(command);
    });
    socket.addEventListener("message", (event) => {
      const message = parseMessage(event.data);
      if (message !== undefined) this.onMessage?.(withGridAxes(message, this));
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closed) return;
      if (event.code === 4404) {
        this.onState?.("gone");
        return;
      }
      this.onState?.("reconnecting");
      const delay = Math.min(5000, 250 * 2 ** this.retries);
      this.retries += 1;
      this.timer = setTimeout(() => this.open(), delay);
    });
  }

  setView(view) {
    this.view = { ...this.view, ...view };
    this.send({ type: "view", ...this.view });
  }

  sendNow(command) {
    this.socket.send(JSON.stringify(command));
  }

  // Commands sent while reconnecting wait and go out once the socket is back.
  send(command) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.sendNow(command);
    else if (command.type !== "view") this.queue.push(command);
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
  }
}

// A server message, binary or text, as JSON; undefined for anything else (the server only
// sends JSON).
export function parseMessage(data) {
  try {
    return JSON.parse(typeof data === "string" ? data : utf8.decode(data));
  } catch {
    return undefined;
  }
}

// Snapshot frames carry the grid's coordinates (x, y, unit_x, unit_y) only when they
// change (`grid_axes`); put them back into every grid, so views see whole grids.
export function withGridAxes(message, connection) {
  if (message?.type !== "snapshot") return message;
  if (message.grid_axes !== undefined) connection.gridAxes = message.grid_axes;
  if (message.grid && message.grid.x === undefined && connection.gridAxes) Object.assign(message.grid, connection.gridAxes);
  return message;
}
