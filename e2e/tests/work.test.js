// The working day of the people who follow recommendations: a coordinator searching and
// downloading, a civil-society organisation assessing, the mid-term report.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { accessibilityProblems, launchBrowser, scanPages, screenshot, signedIn, startServer, visitor } from "../support.js";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const countText = (page) => page.locator("section.hits p.count").innerText();
const countOf = async (page) => Number((await countText(page)).match(/[\d,]+/)[0].replace(/,/g, ""));

test("a coordinator searches, narrows with two facets and downloads the result set", async () => {
  const { context, page } = await signedIn(browser, server.base, "coordinator");
  await page.goto("/recommendations");
  await page.locator("#q").fill("human rights");
  await Promise.all([page.waitForLoadState("load"), page.locator("form[role=search] button[type=submit]").click()]);
  const all = await countOf(page);
  assert.ok(all > 0, "the demo has recommendations about human rights");

  // Narrow by the first value of the first facet, then of the next facet that still offers one.
  const facet = page.locator("aside.facets section li:not(.selected) a").first();
  const narrowed = await facet.innerText();
  await Promise.all([page.waitForLoadState("load"), facet.click()]);
  const once = await countOf(page);
  assert.ok(once > 0 && once <= all, `after ${narrowed}: ${once} of ${all}`);
  assert.equal(await page.locator("ul.chips li").count(), 1, "the chosen facet shows as a removable filter");
  assert.deepEqual(await accessibilityProblems(page), []);
  await screenshot(page, "search-facets");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "CSV", exact: true }).click()]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  assert.equal(csv.length - 1 >= once, true, `the CSV holds every row of the result set (${csv.length - 1} rows for ${once})`);

  // The API answers the same query with the same count.
  const query = new URL(page.url()).search;
  const api = await (await context.request.get(`/api/v1/search${query}`)).json();
  assert.equal(api.total, once);
  await context.close();
});

test("a civil-society organisation records its assessment and sees it beside the others", async () => {
  const { context, page } = await signedIn(browser, server.base, "cso");
  await page.goto("/recommendations");
  await page.locator("section.hits p.text a").first().click();
  await page.waitForLoadState("load");
  const text = `Shadow report finding ${Date.now()}: no budget line yet.`;
  await page.locator("#assessment-status").selectOption("not_started");
  await page.locator("#assessment-text").fill(text);
  await Promise.all([page.waitForLoadState("load"), page.locator("form[action$='/assessments'] button[type=submit]").click()]);
  await page.waitForSelector(`text=${text}`);
  assert.deepEqual(await accessibilityProblems(page), []);
  await screenshot(page, "cso-assessment");
  await context.close();
});

test("a coordinator downloads the mid-term report as DOCX and PDF", async () => {
  const { context, page } = await signedIn(browser, server.base, "coordinator");
  await page.goto("/reports");
  assert.deepEqual(await accessibilityProblems(page), []);
  for (const [format, magic] of [
    ["docx", "PK"],
    ["pdf", "%PDF"],
  ]) {
    await page.locator("#kind").selectOption({ index: 0 });
    await page.locator("#state").selectOption("XDL");
    await page.locator("#format").selectOption(format);
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("form[action='/reports/download'] button[type=submit]").click()]);
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.subarray(0, magic.length).toString("latin1"), magic, `${format} starts with ${magic}`);
    assert.ok(bytes.length > 2000, `${format} report has content (${bytes.length} bytes)`);
  }
  await context.close();
});

test("signed-in pages have no serious accessibility problem", async () => {
  const { context, page } = await signedIn(browser, server.base, "admin");
  await scanPages(page, "admin", [
    ["account", "/account"],
    ["users", "/admin/users"],
    ["audit", "/admin/audit"],
    ["internal-dashboard", "/states/XDL/dashboard/internal"],
    ["review-queue", "/review"],
  ]);
  await context.close();
});
