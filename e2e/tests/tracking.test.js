// From assignment to a status: a coordinator gives a recommendation to the Ministry of
// Justice; the ministry's focal point finds it on the ministry's dashboard and reports
// progress; the timeline shows who said what.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { accessibilityProblems, launchBrowser, scanPages, screenshot, signedIn, startServer, submit } from "../support.js";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});


test("a coordinator assigns a recommendation and the ministry's focal point updates its status", async () => {
  const coordinator = await signedIn(browser, server.base, "coordinator");
  let page = coordinator.page;
  await page.goto("/recommendations?q=journalists");
  await page.locator("section.hits p.text a").first().click();
  await page.waitForLoadState("load");
  const path = new URL(page.url()).pathname;
  const id = path.split("/").pop();

  await page.goto(`/assignments/new?recommendations=${id}`);
  assert.deepEqual(await accessibilityProblems(page), [], "accessibility of the assignment form");
  await page.locator("#target-recommendations").check();
  await page.locator("#lead").selectOption({ label: "Ministry of Justice" });
  await screenshot(page, "assign-form");
  await submit(page, "#assign-submit");
  assert.equal(await page.locator("[role=alert].error").count(), 0, await page.locator("main").innerText());
  await coordinator.context.close();

  const focal = await signedIn(browser, server.base, "focal_point");
  page = focal.page;
  await page.goto("/institutions");
  await submit(page, "a:text-is('Ministry of Justice')");
  assert.deepEqual(await accessibilityProblems(page), [], "accessibility of the institution dashboard");
  await screenshot(page, "institution-dashboard");
  await submit(page, `main a[href='${path}']`);

  const why = `Draft bill on the protection of journalists sent to parliament (${Date.now()}).`;
  await page.locator("#status").selectOption("in_progress");
  await page.locator("#justification").fill(why);
  await submit(page, `form[action='${path}/status'] button[type=submit]`);
  await page.waitForSelector(`text=${why}`);
  assert.deepEqual(await accessibilityProblems(page), [], "accessibility of the timeline");
  await screenshot(page, "timeline");
  await focal.context.close();
});

test("signed-in tracking pages have no serious accessibility problem", async () => {
  const { context, page } = await signedIn(browser, server.base, "coordinator");
  await scanPages(page, "tracking", [
    ["institutions", "/institutions"],
    ["signals", "/states/XDL/signals"],
    ["new-action", "/actions/new"],
    // A cluster's plan with the coordinator's forms: move, split, rename, merge.
    ["cluster-plan", "/states/XDL/clusters/1"],
  ]);
  await context.close();
});
