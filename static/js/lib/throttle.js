// Throttled refresh for data fetched from the server or redrawn on a timer: at most one
// run in flight, a run at most every `within` ms after the previous one started (the
// `interval`, or what a request asks: the shortest asked since the last run wins, 0 for
// urgent), and the last request is never lost (a trailing run happens once its time has
// come or the run in flight is done).

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
    this.within = null;          // the gap asked for since the last run started, or null
    this.last = -Infinity;       // when the last run started
    this.timer = null;
    this.due = null;             // when the timer fires
  }

  // Something changed. `urgent`: do not wait for the interval; `within`: wait at most this
  // long after the last run started (still one at a time).
  request({ urgent = false, within = this.interval } = {}) {
    const gap = urgent ? 0 : within;
    this.within = this.within === null ? gap : Math.min(this.within, gap);
    this.#consider();
  }

  cancel() {
    this.within = null;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  #consider() {
    if (this.within === null || this.busy) return;
    const now = this.now();
    const due = this.last + this.within;
    if (due <= now) {
      if (this.timer !== null) this.clearTimer(this.timer);
      this.timer = null;
      this.#start();
      return;
    }
    if (this.timer !== null) {
      if (due >= this.due) return;
      this.clearTimer(this.timer);  // asked for sooner than the timer set
    }
    this.due = due;
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.#consider();
    }, due - now);
  }

  async #start() {
    this.within = null;
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
