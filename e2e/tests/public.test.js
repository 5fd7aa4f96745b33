// What an anonymous visitor — a journalist, a member of the public — sees: published records
// only, no cookie, and pages that pass an accessibility scan.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
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

const publicPages = [
  ["home", "/"],
  ["search", "/recommendations"],
  ["state", "/states/XDL"],
  ["dashboard", "/states/XDL/dashboard"],
  ["clusters", "/states/XDL/clusters"],
  ["reports", "/reports"],
  ["sign-in", "/sign-in"],
];

test("public pages answer, set no cookie and have no serious accessibility problem", async () => {
  const context = await visitor(browser, server.base);
  const page = await context.newPage();
  await scanPages(page, "public", publicPages);
  // Only the sign-in page sets a cookie (its CSRF pair); nothing before it did.
  const cookies = (await context.cookies()).map((c) => c.name);
  assert.ok(cookies.every((name) => name.includes("csrf")), `unexpected cookies: ${cookies}`);
  await context.close();
});

test("a record a coordinator withdraws from publication disappears for the public", async () => {
  const publicTotal = async () => (await (await fetch(`${server.base}/api/v1/search?q=`)).json()).total;
  const before = await publicTotal();
  assert.ok(before > 0, "the demo's records are published");
  const { context, page } = await signedIn(browser, server.base, "coordinator");
  await page.goto("/recommendations");
  await page.locator("section.hits p.text a").first().click();
  await page.waitForLoadState("load");
  const path = new URL(page.url()).pathname;
  await Promise.all([
    page.waitForLoadState("load"),
    page.locator(`form[action='${path}/publication'] button[type=submit]`).click(),
  ]);
  assert.equal((await fetch(`${server.base}${path}`)).status, 404, "the public no longer finds it");
  assert.equal(await publicTotal(), before - 1);
  // Publish it again so the other tests see the demo as it was.
  await page.goto(path);
  await Promise.all([
    page.waitForLoadState("load"),
    page.locator(`form[action='${path}/publication'] button[type=submit]`).click(),
  ]);
  assert.equal((await fetch(`${server.base}${path}`)).status, 200);
  await context.close();
});

test("a record page shows its source and offers no form to the public", async () => {
  const context = await visitor(browser, server.base);
  const page = await context.newPage();
  await page.goto("/recommendations");
  await page.locator("section.hits p.text a").first().click();
  await page.waitForLoadState("load");
  assert.match(new URL(page.url()).pathname, /^\/recommendations\/\d+$/);
  assert.equal(await page.locator("form[method=post]").count(), 0, "no write form for the public");
  assert.deepEqual(await accessibilityProblems(page), []);
  await screenshot(page, "public-record");
  await context.close();
});
