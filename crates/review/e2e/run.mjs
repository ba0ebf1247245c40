// End-to-end: sign in as a clerk, adjudicate the queued paper with the keyboard, and watch the
// live progress page show the change. Driven by playwright-core in Debian's Chromium.
// Environment: BASE_URL, E2E_USER, E2E_PASSWORD, E2E_AREA (index), E2E_CONTEST (index),
// CHROMIUM, USER_DATA_DIR, SCREENSHOT.
import { chromium } from "playwright-core";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env("BASE_URL");
const cell = `#a${env("E2E_AREA")}-adjudicated`;
const chart = `[data-chart="chart-a${env("E2E_AREA")}-c${env("E2E_CONTEST")}"]`;

const context = await chromium.launchPersistentContext(env("USER_DATA_DIR"), {
  executablePath: env("CHROMIUM"),
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
});
// Nothing may be fetched from anywhere but the application.
const outside = [];
context.on("request", (r) => {
  if (!r.url().startsWith(base) && !r.url().startsWith("data:")) outside.push(r.url());
});

try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/login`);
  await page.fill("#name", env("E2E_USER"));
  await page.fill("#password", env("E2E_PASSWORD"));
  await Promise.all([page.waitForNavigation(), page.click("#sign-in")]);

  // A second tab keeps the progress page open: it must update by itself.
  const progress = await context.newPage();
  await progress.goto(`${base}/progress`);
  const before = (await progress.textContent(cell)).trim();
  const chartBefore = await progress.innerHTML(chart);

  await page.goto(`${base}/queue`);
  await page.waitForSelector("#paper-title");
  const title = (await page.textContent("#paper-title")).trim();
  // The image with its box outlines is on the page.
  await page.waitForSelector("svg.scan polygon.box.flagged");
  await page.waitForFunction(() => {
    const img = document.querySelector("svg.scan image");
    return img && img.getBBox().width > 0;
  });
  await page.screenshot({ path: env("SCREENSHOT"), fullPage: true });

  // Keyboard: "3" picks the third candidate, "c" records the corrected vote.
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("3");
  const picked = await page.inputValue("#option");
  if (picked !== "2") throw new Error(`key 3 selected option value ${picked}`);
  await Promise.all([page.waitForNavigation(), page.keyboard.press("c")]);
  const after = await page.content();
  if (after.includes(title) && after.includes("Record these votes"))
    throw new Error("the same paper is still offered after the decision");

  // The open progress page shows the adjudication without a reload.
  await progress.waitForFunction(
    ([sel, b]) => document.querySelector(sel).textContent.trim() !== b,
    [cell, before],
    { timeout: 20000 },
  );
  const adjudicated = (await progress.textContent(cell)).trim();
  const chartAfter = await progress.innerHTML(chart);
  if (chartAfter === chartBefore) throw new Error("the provisional shares chart did not change");
  if (outside.length) throw new Error(`requests left the application: ${outside.join(", ")}`);
  console.log(JSON.stringify({ paper: title, adjudicated_before: before, adjudicated_after: adjudicated }));
} finally {
  await context.close();
}
