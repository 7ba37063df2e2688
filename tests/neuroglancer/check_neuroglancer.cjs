#!/usr/bin/env node
// Opens a neuroglancer precomputed grayscale volume in a real neuroglancer viewer (the prebuilt client
// scripts/setup-node.sh installs) in headless Debian Chromium driven by playwright-core, and checks
// that grayscale is drawn:
//   - the data panel of the volume's screenshot varies (std above a threshold), unlike the screenshot
//     of the same viewer state with the layer hidden (uniform background);
//   - with --expected (expected-slice.json/.bin from make_test_volume.py), the drawn pixels equal the
//     data slice (1 voxel = 1 pixel, linear shader) up to JPEG decoder differences.
// The viewer and the data come from two small static servers on 127.0.0.1; the data server sends
// CORS headers, as a real bucket must for neuroglancer.
//
// usage: node check_neuroglancer.cjs --node-home DIR --data DIR --source NAME --out DIR
//                                    [--expected DIR] [--chromium /usr/bin/chromium] [--timeout-s 90]
//   --data DIR     served at http://127.0.0.1:PORT/; the volume is DIR/NAME (its info at DIR/NAME/info)
//   --out DIR      screenshots (shown.png, hidden.png) and result.json
//   --data-url URL the volume is read from URL/NAME instead (a bucket's public URL, which must answer
//                  CORS itself); DIR/NAME/info is then a local copy of its info
"use strict";
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");

function parseArgs(argv) {
  const a = { chromium: "/usr/bin/chromium", timeoutS: 90 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === "--node-home") a.nodeHome = v;
    else if (k === "--data") a.data = v;
    else if (k === "--data-url") a.dataUrl = v;
    else if (k === "--source") a.source = v;
    else if (k === "--out") a.out = v;
    else if (k === "--expected") a.expected = v;
    else if (k === "--chromium") a.chromium = v;
    else if (k === "--timeout-s") a.timeoutS = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  for (const k of ["nodeHome", "data", "source", "out"]) if (!a[k]) throw new Error(`--${k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} is required`);
  return a;
}

const log = (m) => console.log(`[check_neuroglancer] ${m}`);

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".map": "application/json" };

// A static file server for `root`; with cors, any origin may read it.
function serve(root, cors) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const file = path.join(root, decodeURIComponent(url.pathname));
    const headers = cors ? { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*" } : {};
    if (req.method === "OPTIONS") { res.writeHead(204, headers); res.end(); return; }
    let status = 404, body = null;
    if (file.startsWith(path.resolve(root)) && fs.existsSync(file)) {
      const st = fs.statSync(file);
      const target = st.isDirectory() ? path.join(file, "index.html") : file;
      if (fs.existsSync(target) && fs.statSync(target).isFile()) { status = 200; body = fs.readFileSync(target); }
      headers["Content-Type"] = TYPES[path.extname(target)] || "application/octet-stream";
    }
    requests.push(`${status} ${url.pathname}`);
    res.writeHead(status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port, requests })));
}

function state(dataUrl, source, shape, visible) {
  // 1 voxel = 1 pixel; position at a voxel corner of the slice's centre; no crosshair or scale bar.
  return {
    dimensions: { x: [8e-9, "m"], y: [8e-9, "m"], z: [8e-9, "m"] },
    position: [shape.width / 2, shape.height / 2, shape.z + 0.5],
    crossSectionScale: 1,
    projectionScale: 512,
    layers: [{ type: "image", source: `precomputed://${dataUrl}/${source}`, name: source, visible,
               shader: "void main() { emitGrayscale(toNormalized(getDataValue())); }" }],
    layout: "xy",
    showAxisLines: false,
    showScaleBar: false,
    showDefaultAnnotations: false,
    crossSectionBackgroundColor: "#000000",
  };
}

// Gray values (R channel) of a PNG, decoded by the browser.
async function pngGray(page, png) {
  const { w, h, data } = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width; c.height = img.height;
    const g = c.getContext("2d");
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    const out = new Array(c.width * c.height);
    for (let i = 0; i < out.length; ++i) out[i] = px[4 * i];
    return { w: c.width, h: c.height, data: out };
  }, png.toString("base64"));
  return { w, h, data: Uint8Array.from(data) };
}

// Mean and std of the centre of the panel, inside the volume's footprint (away from the panel's
// widgets and border).
function stats(img, shape) {
  const side = Math.max(8, Math.min(200, img.w - 40, img.h - 40, shape.width, shape.height));
  const x0 = Math.floor(img.w / 2 - side / 2), y0 = Math.floor(img.h / 2 - side / 2);
  let s = 0, s2 = 0, n = 0;
  for (let y = y0; y < y0 + side; ++y) {
    for (let x = x0; x < x0 + side; ++x) { const v = img.data[y * img.w + x]; s += v; s2 += v * v; n++; }
  }
  const mean = s / n;
  return { side, mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

// Best match of the screenshot around its centre with the expected slice around the view position.
function compare(img, expected, shape) {
  const half = 48;
  const cx = Math.floor(img.w / 2), cy = Math.floor(img.h / 2);
  let best = null;
  for (let dy = -4; dy <= 4; ++dy) {
    for (let dx = -4; dx <= 4; ++dx) {
      let sum = 0, max = 0, n = 0, sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
      for (let y = -half; y < half; ++y) {
        for (let x = -half; x < half; ++x) {
          const a = img.data[(cy + y) * img.w + cx + x];
          const b = expected[(shape.height / 2 + y + dy) * shape.width + shape.width / 2 + x + dx];
          const d = Math.abs(a - b);
          sum += d; max = Math.max(max, d); n++;
          sa += a; sb += b; sab += a * b; saa += a * a; sbb += b * b;
        }
      }
      const corr = (sab / n - (sa / n) * (sb / n)) / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
      const r = { dx, dy, mean: sum / n, max, corr };
      if (!best || r.mean < best.mean) best = r;
    }
  }
  return best;
}

async function screenshotWhenReady(page, url, timeoutMs) {
  await page.goto(url);
  const deadline = Date.now() + timeoutMs;
  // window.viewer is the neuroglancer Viewer; display.isReady() is true once every visible panel has
  // drawn all the chunks it needs (what neuroglancer's own screenshot tool waits for).
  let ready = true;
  try {
    await page.waitForFunction(() => window.viewer && window.viewer.display && window.viewer.display.isReady(),
                               null, { timeout: timeoutMs, polling: 200 });
  } catch (e) {
    if (!/Timeout/.test(String(e))) throw e;
    ready = false;  // screenshot what there is; the caller reports it
  }
  // Two more frames so the last chunk upload is on screen.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const panel = page.locator(".neuroglancer-rendered-data-panel").first();
  await panel.waitFor({ timeout: Math.max(5000, deadline - Date.now()) });
  return { png: await panel.screenshot({ timeout: 10000 }), ready };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const { chromium } = require(path.join(a.nodeHome, "node_modules", "playwright-core"));
  fs.mkdirSync(a.out, { recursive: true });
  if (!fs.existsSync(path.join(a.data, a.source, "info"))) throw new Error(`${path.join(a.data, a.source, "info")}: not found`);
  let shape = null, expected = null;
  if (a.expected) {
    shape = JSON.parse(fs.readFileSync(path.join(a.expected, "expected-slice.json"), "utf8"));
    expected = fs.readFileSync(path.join(a.expected, "expected-slice.bin"));
    if (expected.length !== shape.width * shape.height) throw new Error("expected-slice.bin size does not match its json");
  } else {
    const info = JSON.parse(fs.readFileSync(path.join(a.data, a.source, "info"), "utf8"));
    const s = info.scales[0].size, o = info.scales[0].voxel_offset || [0, 0, 0];
    shape = { width: 2 * Math.floor(o[0] + s[0] / 2), height: 2 * Math.floor(o[1] + s[1] / 2), z: Math.floor(o[2] + s[2] / 2) };
  }
  const viewer = await serve(path.join(a.nodeHome, "viewer"), false);
  // A remote volume (--data-url): its requests are seen from the page instead of our server.
  const data = a.dataUrl ? { requests: [], server: { close() {} } } : await serve(a.data, true);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dflow-chromium-"));
  const problems = [];
  let context;
  try {
    // A fresh profile; no background traffic (the sandbox refuses it and Chromium then stalls);
    // WebGL through SwiftShader since there is no GPU.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: a.chromium,
      headless: true,
      viewport: { width: 900, height: 700 },
      deviceScaleFactor: 1,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
             "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-proxy-server"],
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
    if (a.dataUrl)
      page.on("response", (r) => {
        if (r.url().startsWith(a.dataUrl)) data.requests.push(`${r.status()} ${new URL(r.url()).pathname}`);
      });
    const dataUrl = a.dataUrl || `http://127.0.0.1:${data.port}`;
    const base = `http://127.0.0.1:${viewer.port}/index.html#!`;
    const timeoutMs = a.timeoutS * 1000;

    const shownShot = await screenshotWhenReady(page, base + encodeURIComponent(JSON.stringify(state(dataUrl, a.source, shape, true))), timeoutMs);
    fs.writeFileSync(path.join(a.out, "shown.png"), shownShot.png);
    const hiddenShot = await screenshotWhenReady(page, base + encodeURIComponent(JSON.stringify(state(dataUrl, a.source, shape, false))), timeoutMs);
    fs.writeFileSync(path.join(a.out, "hidden.png"), hiddenShot.png);
    const shownPng = shownShot.png, hiddenPng = hiddenShot.png;
    const shown = await pngGray(page, shownPng), hidden = await pngGray(page, hiddenPng);
    const s1 = stats(shown, shape), s0 = stats(hidden, shape);
    const chunks = data.requests.filter((r) => r.startsWith("200 ") && /\/\d+-\d+_\d+-\d+_\d+-\d+$/.test(r)).length;
    const result = { panel: [shown.w, shown.h], shown: s1, hidden: s0, chunks_fetched: chunks, problems, seconds: (Date.now() - t0) / 1000 };
    log(`panel ${shown.w}x${shown.h}, centre ${s1.side}x${s1.side}: volume shown mean ${s1.mean.toFixed(1)} std ${s1.std.toFixed(1)}; layer hidden mean ` +
        `${s0.mean.toFixed(1)} std ${s0.std.toFixed(1)}; ${chunks} chunks fetched`);
    const errors = [];
    if (!shownShot.ready) errors.push(`neuroglancer had not drawn ${a.source} after ${a.timeoutS} s (viewer.display.isReady() stayed false)`);
    if (s1.std < 15) errors.push(`the data panel is nearly uniform (std ${s1.std.toFixed(2)} < 15): no grayscale drawn`);
    if (s0.std > 2) errors.push(`the hidden-layer panel is not uniform (std ${s0.std.toFixed(2)}); the comparison is meaningless`);
    if (Math.abs(s1.mean - s0.mean) < 10 && s1.std < s0.std + 15) errors.push("the shown and hidden panels look alike");
    if (chunks === 0) errors.push(`neuroglancer fetched no chunk of ${a.source} (requests: ${data.requests.slice(0, 10).join(", ")})`);
    if (expected) {
      const m = compare(shown, expected, shape);
      result.match = m;
      log(`drawn pixels vs the data slice z=${shape.z} (as cloud-volume decodes it), best offset (${m.dx},${m.dy}): ` +
          `mean |diff| ${m.mean.toFixed(2)}, max ${m.max}, correlation ${m.corr.toFixed(4)}`);
      if (!(m.corr > 0.98) || m.mean > 4) errors.push(`drawn pixels do not match the data slice (mean |diff| ${m.mean.toFixed(2)}, correlation ${m.corr.toFixed(3)})`);
    }
    fs.writeFileSync(path.join(a.out, "result.json"), JSON.stringify(result, null, 2));
    for (const p of problems) log(`browser: ${p}`);
    const missing = [...viewer.requests, ...data.requests].filter((r) => r.startsWith("404 "));
    if (missing.length) log(`not found (expected for optional files): ${missing.join(", ")}`);
    if (errors.length) {
      for (const e of errors) log(`FAILED: ${e}`);
      log(`screenshots in ${a.out}`);
      process.exitCode = 1;
    } else {
      log(`OK in ${result.seconds.toFixed(1)} s (screenshots in ${a.out})`);
    }
  } finally {
    if (context) await context.close().catch(() => {});
    viewer.server.close();
    data.server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.log(`[check_neuroglancer] FAILED: ${e && e.message ? e.message.split("\n")[0] : e}`);
  process.exit(1);
});
