// The page's one throttle, for data fetched from the server or redrawn on a timer: at most
// one run in flight, a run at most every `within` ms after the previous one started (the
// `interval`, or what a request asks: the shortest asked since the last run wins, 0 for
// urgent), and the last request is never lost (a trailing run happens once its time has
// come or the run in flight is done). Refresher runs the same thing each time; Gate, on top
// of it, fetches the latest of the requests it was given and delivers every answer.
// Pure apart from the timers it is given (tests/js/lib/throttle.test.mjs).

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

  // A request came since the last run started: that run's result is already out of date.
  get pending() {
    return this.within !== null;
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

// A request gate for views that fetch from the server as things change (the formula panel
// on every new snapshot, the time slider per scrub): the latest wish is fetched, one at a
// time, at most one every `interval` ms.
export class Gate {
  // fetcher(request) -> Promise; deliver(request, {ok, result, error}, {superseded}).
  constructor(fetcher, deliver, { interval = 250, now, schedule, cancel } = {}) {
    this.wanted = null;
    this.refresher = new Refresher(async () => {
      const request = this.wanted;
      let outcome;
      try {
        outcome = { ok: true, result: await fetcher(request) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      deliver(request, outcome, { superseded: this.refresher.pending });
    }, { interval, now, setTimer: schedule, clearTimer: cancel });
  }

  want(request) {
    this.wanted = request;
    this.refresher.request();
  }

  // Forget what was wanted (a request in flight is still delivered).
  drop() {
    this.wanted = null;
    this.refresher.cancel();
  }
}
