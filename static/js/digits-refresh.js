// Throttled refresh for data fetched from the server or redrawn on a timer: at most one
// run in flight, at most one every `interval` ms, and the last request is never lost (a
// trailing run happens once the interval has passed or the run in flight is done).

export class Refresher {
  constructor(run, {
    interval = 2000,
    now = () => Date.now(),
    // Wrapped: the browser's timers throw "Illegal invocation" when called as methods.
    setTimer = (fn, ms) => setTimeout(fn, ms),
    clearTimer = (id) => clearTimeout(id),
  } = {}) {
    this.run = run;              // () => Promise | any
    this.interval = interval;
    this.now = now;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;
    this.busy = false;           // a run is in flight
    this.dirty = false;          // asked for while busy or waiting
    this.urgent = false;
    this.last = -Infinity;       // when the last run started
    this.timer = null;
  }

  // Something changed. `urgent`: do not wait for the interval (still one at a time).
  request({ urgent = false } = {}) {
    this.dirty = true;
    this.urgent = this.urgent || urgent;
    this.#consider();
  }

  cancel() {
    this.dirty = false;
    this.urgent = false;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  #consider() {
    if (!this.dirty || this.busy) return;
    const wait = this.urgent ? 0 : this.last + this.interval - this.now();
    if (wait <= 0) {
      if (this.timer !== null) this.clearTimer(this.timer);
      this.timer = null;
      this.#start();
    } else if (this.timer === null) {
      this.timer = this.setTimer(() => {
        this.timer = null;
        this.#consider();
      }, wait);
    }
  }

  async #start() {
    this.dirty = false;
    this.urgent = false;
    this.busy = true;
    this.last = this.now();
    try {
      await this.run();
    } catch {
      // the caller reports its own errors; a failed run must not block later ones
    } finally {
      this.busy = false;
      this.#consider();
    }
  }
}
