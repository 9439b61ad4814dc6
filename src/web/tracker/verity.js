/*
 * Verity website tracker: docs/tracking.md. Plain ES2017, no dependencies. This is the source;
 * /js/verity.js serves it minified (scripts/tracker.mjs), under 1.5 KB gzipped: every byte is
 * paid by every page view, so prefer the shorter code path where it costs no clarity.
 */
(() => {
  const w = window;
  const d = document;
  const nav = navigator;
  const loc = location;
  const queued = w.verity;
  // Loaded twice on one page: the first copy does the work.
  if (queued && !Array.isArray(queued)) return;
  const noop = () => {};
  // Until the checks below pass, calls do nothing rather than fail.
  const api = { identify: noop, pageview: noop, push: noop };
  w.verity = api;

  // currentScript is null only where the script was not run from its tag (an old browser).
  const script = d.currentScript || d.querySelector('script[src*="js/verity.js"]');
  const site = script ? script.getAttribute("data-site") : null;
  // No site key, or the visitor asked not to be tracked: send and store nothing.
  if (
    !site ||
    (script.hasAttribute("data-respect-dnt") &&
      (nav.doNotTrack === "1" || w.doNotTrack === "1" || nav.globalPrivacyControl === true))
  )
    return;

  const endpoint = `${new URL(script.src).origin}/api/event`;
  const VISIT_GAP = 1800; // seconds: a visit ends after 30 minutes without an event
  // The server's limits (it refuses an event with a longer value)
  const MAX_URL = 2000;
  const MAX_TEXT = 200;

  /** 22 random characters of [A-Za-z0-9_-]: 17 random bytes in base64url, the 132 bits of 22 characters kept. */
  const newId = () =>
    btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(17))))
      .slice(0, 22)
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
  const isId = (id) => /^[\w-]{16,40}$/.test(id);
  const url = () => loc.href.slice(0, MAX_URL);

  /** fn(), or undefined if it throws (storage disabled, no referrer, bad JSON). */
  const attempt = (fn) => {
    try {
      return fn();
      // biome-ignore lint/correctness/noUnusedVariables: ES2017 has no catch without a binding
    } catch (e) {}
  };

  // Storage, under verity_<name>: a first-party cookie, or localStorage when cookies cannot be set.
  const getLocal = (name) => attempt(() => localStorage.getItem(`verity_${name}`));
  const setLocal = (name, value) => attempt(() => localStorage.setItem(`verity_${name}`, value));
  const readCookie = (name) => (d.cookie.match(`(^|; )verity_${name}=([^;]*)`) || [])[2];
  const load = (name) => readCookie(name) || getLocal(name);
  // Values are ids, digits and dots: nothing to encode.
  const save = (name, value, maxAge) => {
    // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing from too many browsers
    d.cookie = `verity_${name}=${value}; max-age=${maxAge}; path=/; SameSite=Lax${loc.protocol === "https:" ? "; Secure" : ""}`;
    if (readCookie(name) !== value) setLocal(name, value);
  };
  const json = (text) => attempt(() => JSON.parse(text));

  // Visitor: one id per browser, kept 13 months (396 days, in seconds) after the last page load.
  let visitor = load("vid");
  if (!isId(visitor)) visitor = newId();
  save("vid", visitor, 34214400);

  /**
   * The current visit {id, utm, referrer}: a new one if none or the last event was over 30
   * minutes ago. Now becomes its last activity: verity_visit = "visitId.lastActivityMs".
   */
  const currentVisit = () => {
    const now = Date.now();
    const [id, last] = (load("visit") || "").split(".");
    let visit;
    if (isId(id) && now - last <= VISIT_GAP * 1000) {
      visit = json(getLocal("entry"));
      // Entry lost (no localStorage): unknown.
      if (!visit || visit.id !== id) visit = { id, utm: {}, referrer: "" };
    } else {
      // How the visit started: utm_* of the URL, and the referrer if it is another host.
      const query = new URLSearchParams(loc.search);
      const utm = {};
      for (const key of ["source", "medium", "campaign", "content", "term"]) {
        const value = query.get(`utm_${key}`);
        if (value) utm[key] = value.slice(0, MAX_TEXT);
      }
      // A referrer on this host is navigation inside the site.
      const external = attempt(() => new URL(d.referrer).host !== loc.host);
      visit = { id: newId(), utm, referrer: external ? d.referrer.slice(0, MAX_URL) : "" };
      setLocal("entry", JSON.stringify(visit));
      // The first visit ever is the visitor's first touch, kept for good.
      if (!getLocal("first")) {
        const at = new Date(now).toISOString();
        setLocal("first", JSON.stringify({ utm, referrer: visit.referrer, landing: url(), at }));
      }
    }
    save("visit", `${visit.id}.${now}`, VISIT_GAP);
    return visit;
  };

  /** One event per request; identify and form events (`extra`) carry the first touch. */
  const send = (type, extra) => {
    const visit = currentVisit();
    const event = { id: newId(), type, visitor, visit: visit.id, url: url(), referrer: visit.referrer, utm: visit.utm };
    if (extra) {
      Object.assign(event, extra);
      const first = json(getLocal("first"));
      if (first) event.firstTouch = first;
    }
    const body = JSON.stringify({ site, events: [event] });
    // A string body is text/plain: no CORS preflight (fetch's default mode is "cors"). A beacon
    // survives the page unloading.
    const beaconed = nav.sendBeacon ? nav.sendBeacon(endpoint, body) : false;
    if (!beaconed) {
      fetch(endpoint, { method: "POST", body, keepalive: true, credentials: "omit" }).catch(noop);
    }
  };

  // A campaign link's click id (added by Verity's redirect, docs/campaigns.md): sent with the
  // first pageview, and taken out of the address so a shared or bookmarked URL does not carry it.
  let click = new URLSearchParams(loc.search).get("verity_click");
  if (click) {
    // Only that pair goes: the rest of the query is kept byte for byte (URLSearchParams would re-encode it).
    const rest = loc.search.replace(/[?&]verity_click=[^&]*/, "").replace(/^&/, "?");
    attempt(() => history.replaceState(history.state, "", loc.pathname + rest + loc.hash));
  }

  api.pageview = () => {
    send("pageview", click && { click });
    click = 0;
  };
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
      const attr = (name) => form.getAttribute(name);
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-verity-form")) return;
      const input = form.querySelector("input[type=email]") || form.querySelector("input[name*=email i]");
      const email = input ? input.value.trim() : "";
      const name = attr("data-verity-form") || attr("id") || attr("name") || "";
      if (email) send("form", { email, form: name.slice(0, MAX_TEXT) });
    },
    true,
  );

  api.pageview();
  if (queued) queued.forEach(api.push);
})();
