/**
 * Debian's Chromium for the browser tests and the dashboard bench, started as this machine
 * needs it: headless, as root (no sandbox), and without the background connections a closed
 * network refuses (they would fail many at a time at every start).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export const MISSING_CHROMIUM = `${CHROMIUM} is missing: the browser tests need Chromium (apt-get install -y --no-install-recommends chromium; .ci/run installs it when test/browser exists)`;

/** Chromium, or undefined where it is not installed (the tests then fail saying MISSING_CHROMIUM). */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
