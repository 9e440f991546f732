import { mkdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textPipeline } from "../../../examples/text/flows.js";
import { CHROMIUM, chromiumAvailable, chromiumFlags } from "../../support/chromium.js";
import { type DeclaredFixture, declaredFixture } from "../declared-flows/fixture.js";

const available = chromiumAvailable();
const out = new URL("../../../.tesserae/diagrams/", import.meta.url);

const definition = {
  name: "shout-and-count",
  inputs: [{ name: "message", type: "string" }],
  steps: [
    { id: "shout", service: "upper", catch: { next: "sorry" } },
    {
      id: "check",
      type: "choice",
      choices: [{ when: { outcome: "shout", is: "ok" }, next: "both" }],
      default: "sorry",
    },
    {
      id: "both",
      type: "parallel",
      branches: [[{ id: "flip", service: "reverse" }], [{ id: "count", service: "spaces" }]],
      next: "end",
    },
    { id: "sorry", type: "fail", message: "could not shout" },
  ],
};

interface Rendered {
  readonly labels: string[];
  /** Share of the canvas that is not white. */
  readonly inked: number;
  /** Node id → the RGB at its centre. */
  readonly centres: Record<string, [number, number, number]>;
}

/** Loads the SVG as an image in a canvas (as a browser would show it), then reads it back. */
async function render(page: Page, svg: string, png: string): Promise<Rendered> {
  await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${svg}</body></html>`);
  await page.locator("svg").screenshot({ path: new URL(png, out).pathname });
  const labels = await page.$$eval("svg text", (els) => els.map((e) => e.textContent ?? ""));
  // Runs in the page (a string: the type check knows no DOM).
  const { inked, centres } = (await page.evaluate(`(async (source) => {
    const img = new Image();
    img.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(source)));
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) ink++;
    const at = {};
    const origin = document.querySelector("svg").getBoundingClientRect();
    for (const g of document.querySelectorAll("svg g.node")) {
      const r = g.getBoundingClientRect();
      const box = { x: r.left - origin.left, y: r.top - origin.top, width: r.width };
      // A few pixels under the top edge: inside the shape, above the text.
      const p = ctx.getImageData(Math.round(box.x + box.width / 2), Math.round(box.y + 6), 1, 1).data;
      at[g.getAttribute("data-id")] = [p[0], p[1], p[2]];
    }
    return { inked: ink / (canvas.width * canvas.height), centres: at };
  })(${JSON.stringify(svg)})`)) as Pick<Rendered, "inked" | "centres">;
  return { labels, inked, centres };
}

describe.skipIf(!available)("diagrams rendered in headless Chromium", () => {
  let browser: Browser;
  let page: Page;
  let f: DeclaredFixture;

  beforeAll(async () => {
    mkdirSync(out, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumFlags });
    page = await browser.newPage();
    f = await declaredFixture({ flows: [textPipeline] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await f?.stop();
  });

  it("a declared flow's diagram renders with its steps' labels", async () => {
    expect((await f.client.post("/declared/flows", definition)).status).toBe(201);
    const res = await f.client.get("/flows/shout-and-count/diagram.svg");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
    const r = await render(page, res.text, "declared.png");
    for (const label of [
      "shout-and-count",
      "shout",
      "call upper",
      "check",
      "both",
      "flip",
      "count",
      "sorry",
      "shout is ok",
      "on error",
    ])
      expect(r.labels).toContain(label);
    expect(r.inked).toBeGreaterThan(0.02);
    expect(r.centres.shout).toEqual([255, 255, 255]); // a definition's steps have no state: white
  });

  it("a run's diagram colours each step by its state", async () => {
    const run = await f.client.post("/declared/flows/shout-and-count/events", { data: { message: "a b" } });
    expect(run.status).toBe(200);
    const eventId = (run.body as { eventId: string }).eventId;
    const res = await f.client.get(`/flows/runs/${eventId}/diagram.svg`);
    expect(res.status).toBe(200);
    const r = await render(page, res.text, "declared-run.png");
    expect(r.labels).toContain("shout-and-count — completed");
    for (const label of ["done", "running", "waiting", "failed", "compensated", "pending"])
      expect(r.labels).toContain(label);
    const green = [187, 247, 208];
    for (const id of ["shout", "flip", "count"]) expect(r.centres[id]).toEqual(green);
    expect(r.centres.sorry).toEqual([243, 244, 246]); // never reached: pending grey
    expect(r.centres.check).not.toEqual([243, 244, 246]); // the choice was made
  });

  it("a coded flow's diagram renders from its source, and its run from the journal", async () => {
    const svg = await f.client.get("/flows/text-pipeline/diagram.svg");
    const r = await render(page, svg.text, "coded.png");
    for (const label of ["text-pipeline", "upper", "call text.upper", "reverse", "spaces"])
      expect(r.labels).toContain(label);
    const { runId } = (await f.client.post("/flows/text-pipeline/runs", { input: { message: "hi there" } }))
      .body as {
      runId: string;
    };
    const run = await f.client.get(`/flows/runs/${runId}/diagram.svg`);
    const rr = await render(page, run.text, "coded-run.png");
    expect(rr.labels).toContain("text-pipeline — completed");
    expect(Object.values(rr.centres).filter((c) => c.join() === "187,247,208")).toHaveLength(5);
  });
});
