/*
 * Verity website tracker, served at /js/verity.js. Plain ES2017, no build step. See docs/tracking.md.
 *   <script async src="https://VERITY-HOST/js/verity.js" data-site="KEY" data-respect-dnt></script>
 * Calls made before it loads wait in an array: (window.verity = window.verity || []).push(["identify", email]).
 */
(() => {
  "use strict";
  const w = window;
  const d = document;
  const nav = navigator;
  const queued = w.verity;
  // Loaded twice on one page: the first copy does the work.
  if (queued && queued.identify) return;

  const FILE = "/js/verity.js";
  const script =
    d.currentScript ||
    [].slice.call(d.querySelectorAll("script[src]")).find((s) => s.src.split(/[?#]/)[0].endsWith(FILE));
  const site = script && script.getAttribute("data-site");
  const privacySignal =
    nav.doNotTrack === "1" || w.doNotTrack === "1" || nav.globalPrivacyControl === true;
  const api = { identify() {}, pageview() {}, push() {} };
  w.verity = api;
  // No site key, or the visitor asked not to be tracked: send nothing and store nothing.
  if (!site || (script.hasAttribute("data-respect-dnt") && privacySignal)) return;

  const endpoint = `${new URL(script.src).origin}/api/event`;
  const MINUTE = 60 * 1000;
  const VISIT_GAP = 30 * MINUTE; // a visit ends after 30 minutes without an event
  const THIRTEEN_MONTHS = 396 * 24 * 60 * 60; // seconds
  const UTM = ["source", "medium", "campaign", "content", "term"];
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /** 22 random characters of [A-Za-z0-9_-] (132 bits). */
  const newId = () => [].map.call(crypto.getRandomValues(new Uint8Array(22)), (b) => ALPHABET[b & 63]).join("");

  // --- Storage: a first-party cookie, or localStorage when cookies cannot be set ---------------
  const local = (key, value) => {
    try {
      if (value === undefined) return localStorage.getItem(key);
      localStorage.setItem(key, value);
    } catch (e) {
      // storage disabled: do without
    }
    return null;
  };
  const readCookie = (name) => {
    const m = d.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
    return m ? decodeURIComponent(m[1]) : null;
  };
  const load = (name) => readCookie(name) || local(name);
  const save = (name, value, maxAge) => {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    d.cookie = `${name}=${encodeURIComponent(value)}; max-age=${maxAge}; path=/; SameSite=Lax${secure}`;
    if (readCookie(name) !== value) local(name, value);
  };
  const json = (text) => {
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  };

  // --- Visitor: one id per browser, kept 13 months after the last page load ------------------------
  const visitor = load("verity_vid") || newId();
  save("verity_vid", visitor, THIRTEEN_MONTHS);

  /** How this visit started: utm_* of the landing URL and the referrer when it is another host. */
  const entry = () => {
    const query = new URLSearchParams(location.search);
    const utm = {};
    for (const key of UTM) {
      const value = query.get(`utm_${key}`);
      if (value) utm[key] = value.slice(0, 200);
    }
    let referrer = "";
    try {
      if (new URL(d.referrer).host !== location.host) referrer = d.referrer.slice(0, 2000);
    } catch (e) {
      // no referrer
    }
    return { utm, referrer };
  };

  /**
   * The current visit ({id, utm, referrer}), starting a new one when there is none or the last
   * event was more than 30 minutes ago. Marks now as the visit's last activity.
   * verity_visit holds "visitId.lastActivityMs"; the visit's entry is in localStorage verity_entry.
   */
  const currentVisit = () => {
    const now = Date.now();
    const [id, last] = (load("verity_visit") || "").split(".");
    let visit;
    if (id && now - Number(last) <= VISIT_GAP) {
      visit = json(local("verity_entry"));
      // Without localStorage the entry of an ongoing visit is not known on its later pages.
      if (!visit || visit.id !== id) visit = { id, utm: {}, referrer: "" };
    } else {
      visit = Object.assign({ id: newId() }, entry());
      local("verity_entry", JSON.stringify(visit));
      // The first visit ever is the visitor's first touch, kept for good.
      if (!local("verity_first")) {
        local(
          "verity_first",
          JSON.stringify({
            utm: visit.utm,
            referrer: visit.referrer,
            landing: location.href.slice(0, 2000),
            at: new Date(now).toISOString(),
          }),
        );
      }
    }
    if (!(id && now - Number(last) <= VISIT_GAP)) save("verity_visit", `${visit.id}.${now}`, VISIT_GAP / 1000);
    return visit;
  };

  // --- Sending ------------------------------------------------------------------------------------
  /** One event in its own request. A string body goes as text/plain: no CORS preflight. */
  const send = (type, extra) => {
    const visit = currentVisit();
    const event = {
      id: newId(),
      type,
      visitor,
      visit: visit.id,
      url: location.href.slice(0, 2000),
      referrer: visit.referrer,
      utm: visit.utm,
    };
    if (extra) {
      Object.assign(event, extra);
      const first = json(local("verity_first"));
      if (first) event.firstTouch = first;
    }
    const body = JSON.stringify({ site, events: [event] });
    // sendBeacon survives the page unloading (a form submission navigating away); fetch is the fallback.
    if (!(nav.sendBeacon && nav.sendBeacon(endpoint, body))) {
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

  // --- Public API -------------------------------------------------------------------------------
  api.pageview = () => send("pageview");
  api.identify = (email) => {
    email = String(email || "").trim();
    if (email) send("identify", { email });
  };
  /** ["identify", "ada@example.com"] or ["pageview"]: the queue's format, also after loading. */
  api.push = (call) => {
    const fn = call && api[call[0]];
    if (fn && call[0] !== "push") fn.apply(api, call.slice(1));
  };

  // Forms: read the email as the form is submitted, before the page navigates away.
  d.addEventListener(
    "submit",
    (e) => {
      const form = e.target;
      if (!form.hasAttribute || !form.hasAttribute("data-verity-form")) return;
      const input = form.querySelector("input[type=email]") || form.querySelector("input[name*=email i]");
      const email = input && input.value.trim();
      if (email) {
        const name = form.getAttribute("data-verity-form") || form.getAttribute("id") || form.getAttribute("name");
        send("form", { email, form: (name || "").slice(0, 200) });
      }
    },
    true,
  );

  api.pageview();
  if (Array.isArray(queued)) queued.forEach(api.push);
})();
