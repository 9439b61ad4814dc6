/* Verity website tracker (/js/verity.js). Plain ES2017, no build step, under 3 KB gzipped: docs/tracking.md */
(() => {
  const w = window;
  const d = document;
  const nav = navigator;
  const queued = w.verity;
  // Loaded twice on one page: the first copy does the work.
  if (queued && !Array.isArray(queued)) return;
  const api = { identify() {}, pageview() {}, push() {} };
  w.verity = api;

  const script =
    d.currentScript ||
    [].slice.call(d.querySelectorAll("script[src]")).find((s) => s.src.split(/[?#]/)[0].endsWith("/js/verity.js"));
  const site = script ? script.getAttribute("data-site") : null;
  const privacySignal = nav.doNotTrack === "1" || w.doNotTrack === "1" || nav.globalPrivacyControl === true;
  // No site key, or the visitor asked not to be tracked: send and store nothing.
  if (!site || (script.hasAttribute("data-respect-dnt") && privacySignal)) return;

  const endpoint = `${new URL(script.src).origin}/api/event`;
  const VISIT_GAP = 30 * 60 * 1000; // a visit ends after 30 minutes without an event
  const THIRTEEN_MONTHS = 396 * 24 * 60 * 60; // seconds
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // The server's limits (it refuses an event with a longer value)
  const MAX_URL = 2000;
  const MAX_TEXT = 200;

  /** 22 random characters of [A-Za-z0-9_-] (132 bits). */
  const newId = () => [].map.call(crypto.getRandomValues(new Uint8Array(22)), (b) => ALPHABET[b & 63]).join("");
  const isId = (id) => /^[\w-]{16,40}$/.test(id);

  /** fn(), or undefined if it throws (storage disabled, no referrer, bad JSON). */
  const attempt = (fn) => {
    try {
      return fn();
      // biome-ignore lint/correctness/noUnusedVariables: ES2017 has no catch without a binding
    } catch (e) {}
  };

  // Storage: a first-party cookie, or localStorage when cookies cannot be set.
  const getLocal = (key) => attempt(() => localStorage.getItem(key));
  const setLocal = (key, value) => attempt(() => localStorage.setItem(key, value));
  const readCookie = (name) => {
    const m = d.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
    return m ? m[1] : null;
  };
  const load = (name) => readCookie(name) || getLocal(name);
  // Values are ids, digits and dots: nothing to encode.
  const save = (name, value, maxAge) => {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing from too many browsers
    d.cookie = `${name}=${value}; max-age=${maxAge}; path=/; SameSite=Lax${secure}`;
    if (readCookie(name) !== value) setLocal(name, value);
  };
  const json = (text) => attempt(() => JSON.parse(text));

  // Visitor: one id per browser, kept 13 months after the last page load.
  let visitor = load("verity_vid");
  if (!isId(visitor)) visitor = newId();
  save("verity_vid", visitor, THIRTEEN_MONTHS);

  /** How a visit started: utm_* of the URL, and the referrer if it is another host. */
  const entry = () => {
    const query = new URLSearchParams(location.search);
    const utm = {};
    for (const key of ["source", "medium", "campaign", "content", "term"]) {
      const value = query.get(`utm_${key}`);
      if (value) utm[key] = value.slice(0, MAX_TEXT);
    }
    // A referrer on this host is navigation inside the site.
    const external = attempt(() => new URL(d.referrer).host !== location.host);
    return { utm, referrer: external ? d.referrer.slice(0, MAX_URL) : "" };
  };

  /**
   * The current visit {id, utm, referrer}: a new one if none or the last event was over 30
   * minutes ago. Now becomes its last activity: verity_visit = "visitId.lastActivityMs".
   */
  const currentVisit = () => {
    const now = Date.now();
    const [id, last] = (load("verity_visit") || "").split(".");
    let visit;
    if (isId(id) && now - Number(last) <= VISIT_GAP) {
      visit = json(getLocal("verity_entry"));
      // Entry lost (no localStorage): unknown.
      if (!visit || visit.id !== id) visit = { id, utm: {}, referrer: "" };
    } else {
      visit = Object.assign({ id: newId() }, entry());
      setLocal("verity_entry", JSON.stringify(visit));
      // The first visit ever is the visitor's first touch, kept for good.
      if (!getLocal("verity_first")) {
        const landing = location.href.slice(0, MAX_URL);
        const at = new Date(now).toISOString();
        setLocal("verity_first", JSON.stringify({ utm: visit.utm, referrer: visit.referrer, landing, at }));
      }
    }
    save("verity_visit", `${visit.id}.${now}`, VISIT_GAP / 1000);
    return visit;
  };

  /** One event per request; identify and form events (`extra`) carry the first touch. */
  const send = (type, extra) => {
    const visit = currentVisit();
    const event = {
      id: newId(),
      type,
      visitor,
      visit: visit.id,
      url: location.href.slice(0, MAX_URL),
      referrer: visit.referrer,
      utm: visit.utm,
    };
    if (extra) {
      Object.assign(event, extra);
      const first = json(getLocal("verity_first"));
      if (first) event.firstTouch = first;
    }
    const body = JSON.stringify({ site, events: [event] });
    // A string body is text/plain: no CORS preflight. A beacon survives the page unloading.
    const beaconed = nav.sendBeacon ? nav.sendBeacon(endpoint, body) : false;
    if (!beaconed) {
      fetch(endpoint, {
        method: "POST",
        body,
        keepalive: true,
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "text/plain" },
      }).catch(() => {});
    }
  };

  api.pageview = () => send("pageview");
  api.identify = (email) => {
    email = String(email || "").trim();
    if (email) send("identify", { email });
  };
  /** ["identify", email] or ["pageview"], as queued before loading. */
  api.push = (call) => {
    if (Array.isArray(call) && (call[0] === "identify" || call[0] === "pageview")) api[call[0]](call[1]);
  };

  // Forms: the email, as the form is submitted (capture: before the page's handlers).
  d.addEventListener(
    "submit",
    (e) => {
      const form = e.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-verity-form")) return;
      const input = form.querySelector("input[type=email]") || form.querySelector("input[name*=email i]");
      const email = input ? input.value.trim() : "";
      if (!email) return;
      const name = form.getAttribute("data-verity-form") || form.getAttribute("id") || form.getAttribute("name");
      send("form", { email, form: (name || "").slice(0, MAX_TEXT) });
    },
    true,
  );

  api.pageview();
  if (queued) queued.forEach(api.push);
})();
