#!/usr/bin/env node
// Opens an execution directory's report.html in headless Debian Chromium (playwright-core from
// scripts/setup-node.sh) and checks what Chart.js itself drew, not our HTML: exactly two charts
// (a line chart of throughput over time with one dataset per phase run, a bar chart per rank), the
// bricks per rank of each phase run summing to the expected counts, and ink on both canvases; no
// page errors. The report must open from file:// with no network (Chart.js is inlined).
//
// usage: node check_report.cjs --node-home DIR --report FILE --expect-bricks N1,N2,... --expect-ranks R1,R2,...
//   (one number per phase run, in order)
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const log = (m) => console.log(`[check_report] ${m}`);

async function main() {
  const a = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, "")] = argv[i + 1];
  for (const k of ["node-home", "report", "expect-bricks", "expect-ranks"]) if (!a[k]) throw new Error(`--${k} is required`);
  const bricks = a["expect-bricks"].split(",").map(Number), ranks = a["expect-ranks"].split(",").map(Number);
  const { chromium } = require(path.join(a["node-home"], "node_modules", "playwright-core"));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dflow-report-"));
  const problems = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1200, height: 1000 },
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-extensions", "--no-proxy-server"],
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
    page.on("request", (r) => { if (!r.url().startsWith("file://")) problems.push(`network request: ${r.url()}`); });
    await page.goto("file://" + path.resolve(a.report));
    await page.waitForFunction(() => window.Chart && Object.keys(window.Chart.instances).length >= 2, null, { timeout: 30000 });
    const charts = await page.evaluate(() => Object.values(window.Chart.instances).map((c) => {
      const ctx = c.canvas.getContext("2d");
      const px = ctx.getImageData(0, 0, c.canvas.width, c.canvas.height).data;
      let ink = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ++ink;
      return { type: c.config.type, version: window.Chart.version, ink,
               labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data, stack: d.stack })) };
    }));
    log(`Chart.js ${charts[0] && charts[0].version}: ${charts.map((c) => `${c.type} (${c.datasets.length} datasets, ${c.ink} inked pixels)`).join(", ")}`);
    if (charts.length !== 2) problems.push(`expected 2 charts, found ${charts.length}`);
    const line = charts.find((c) => c.type === "line"), bar = charts.find((c) => c.type === "bar");
    if (!line || !bar) problems.push("expected a line chart and a bar chart");
    else {
      if (line.datasets.length !== bricks.length) problems.push(`line chart: ${line.datasets.length} datasets, expected one per phase run (${bricks.length})`);
      for (const d of line.datasets) if (!d.data.length || !d.data.some((p) => p.y > 0)) problems.push(`line chart: ${d.label} has no throughput`);
      const counts = bar.datasets.filter((d) => d.stack === "bricks");
      if (counts.length !== bricks.length) problems.push(`bar chart: ${counts.length} brick datasets, expected ${bricks.length}`);
      counts.forEach((d, i) => {
        const sum = d.data.reduce((s, v) => s + v, 0);
        const used = d.data.length;
        if (sum !== bricks[i]) problems.push(`bar chart: ${d.label} sums to ${sum} bricks, expected ${bricks[i]}`);
        if (used !== ranks[i]) problems.push(`bar chart: ${d.label} has ${used} ranks, expected ${ranks[i]}`);
        if (d.data.some((v) => v === 0)) problems.push(`bar chart: ${d.label}: a rank did no brick`);
      });
      if (bar.labels.length !== Math.max(...ranks)) problems.push(`bar chart: ${bar.labels.length} rank labels`);
      for (const c of charts) if (c.ink < 2000) problems.push(`${c.type} chart: only ${c.ink} pixels drawn`);
    }
  } finally {
    if (context) await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  if (problems.length) { for (const p of problems) log(`FAILED: ${p}`); process.exit(1); }
  log("OK");
}

main().catch((e) => { log(`FAILED: ${e.stack || e}`); process.exit(1); });
