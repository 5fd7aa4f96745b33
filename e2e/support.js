// What every browser test needs: a `rightstrack serve --demo` of its own on a free port,
// Debian's Chromium driven by playwright-core, sign-in as a demo account, an axe-core scan,
// and screenshots kept as test artefacts (e2e/artifacts/).
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
export const artifacts = join(here, "artifacts");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

function binary() {
  if (process.env.RIGHTSTRACK_BIN) return process.env.RIGHTSTRACK_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  return join(target, "debug", "rightstrack");
}

function chromiumPath() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  try {
    return execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("Chromium not found: install Debian's package (apt-get install chromium) or set CHROMIUM");
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/** Starts the demo server and waits until /readyz answers. */
export async function startServer() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(binary(), ["serve", "--demo", "--addr", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rightstrack serve --demo exited (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`rightstrack serve --demo not ready after 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    log: () => log,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
      }),
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A fresh visitor. CSP is bypassed only so that the axe-core scan can be injected. */
export function visitor(browser, base) {
  return browser.newContext({ baseURL: base, acceptDownloads: true, bypassCSP: true });
}

/** A browser context signed in as a demo account (user name = role, password = ROLE-demo-only). */
export async function signedIn(browser, base, role) {
  const context = await visitor(browser, base);
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.locator("#username").fill(role);
  await page.locator("#password").fill(`${role}-demo-only`);
  await Promise.all([page.waitForLoadState("load"), page.locator("form[action='/sign-in'] button[type=submit]").click()]);
  if (new URL(page.url()).pathname === "/sign-in") {
    throw new Error(`sign-in as ${role} failed: ${await page.locator("[role=alert]").allTextContents()}`);
  }
  return { context, page };
}

/** Serious and critical axe-core violations on the page, as readable lines. */
export async function accessibilityProblems(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join(", ")}`);
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** Clicks what `selector` finds and waits for the page it leads to. */
export function submit(page, selector) {
  return Promise.all([page.waitForLoadState("load"), page.locator(selector).click()]);
}

/** Opens each [name, path]: it must answer 200 and pass the accessibility scan; a screenshot is kept. */
export async function scanPages(page, prefix, pages) {
  for (const [name, path] of pages) {
    const response = await page.goto(path);
    assert.equal(response.status(), 200, `${path} answered ${response.status()}`);
    assert.deepEqual(await accessibilityProblems(page), [], `accessibility of ${path}`);
    await screenshot(page, `${prefix}-${name}`);
  }
}
