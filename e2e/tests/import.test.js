// A coordinator imports a state's record from a file in the browser: dry run first, then the
// import, then the records are found by search.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { accessibilityProblems, launchBrowser, screenshot, signedIn, startServer, submit } from "../support.js";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "upr-info-sample.csv");
let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const cell = (page, field) => page.locator(`#import-summary td[data-field='${field}']`).first().innerText();

test("a coordinator previews an import, confirms it and finds the records", async () => {
  const { context, page } = await signedIn(browser, server.base, "coordinator");
  await page.goto("/import");
  assert.deepEqual(await accessibilityProblems(page), [], "accessibility of the import page");
  await page.locator("#import-file").setInputFiles(fixture);
  await submit(page, "#import-preview");
  assert.equal(await cell(page, "imported"), "3", "the dry run would add the three rows");
  assert.deepEqual(await accessibilityProblems(page), [], "accessibility of the preview");
  await screenshot(page, "import-preview");

  // Nothing is written by the preview.
  const search = async () => (await (await context.request.get("/api/v1/search?q=seasonal%20labour%20exploitation")).json()).total;
  assert.equal(await search(), 0);

  await submit(page, "#import-confirm");
  assert.equal(await cell(page, "imported"), "3");
  await screenshot(page, "import-done");
  assert.equal(await search(), 1, "the imported record is found at once");

  // Importing the same file again changes nothing.
  await page.goto("/import");
  await page.locator("#import-file").setInputFiles(fixture);
  await submit(page, "#import-preview");
  assert.equal(await cell(page, "imported"), "0");
  assert.equal(await cell(page, "unchanged"), "3");
  await context.close();
});

test("a file of no known format is refused with its name and nothing is offered to confirm", async () => {
  const { context, page } = await signedIn(browser, server.base, "coordinator");
  await page.goto("/import");
  await page.locator("#import-file").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("just some notes\n") });
  await submit(page, "#import-preview");
  assert.match(await page.locator("#import-problems").innerText(), /notes\.txt/);
  assert.equal(await page.locator("#import-confirm").count(), 0);
  await context.close();
});
