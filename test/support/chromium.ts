import { existsSync } from "node:fs";
import { it } from "vitest";

export const CHROMIUM = "/usr/bin/chromium";
export const chromiumFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Whether headless Chromium (Debian's `chromium`) is here. When it is not, the suite says so and
 * skips the browser tests, except under `CI=true`, where a failing test stands in their place.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const notice = `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (process.env.CI === "true") {
    it("Chromium is installed (required under CI=true)", () => {
      throw new Error(`${notice} and CI=true requires it`);
    });
  } else {
    console.warn(`NOTICE: ${notice}: the browser tests are skipped`);
  }
  return false;
}
