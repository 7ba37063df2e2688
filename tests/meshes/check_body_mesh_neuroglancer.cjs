#!/usr/bin/env node
// Opens a DVID labelmap in the prebuilt neuroglancer viewer (scripts/setup-node.sh) in headless
// Debian Chromium and checks that a body's mesh -- which neuroglancer's DVID source reads from the
// keyvalue instance <labelmap>_meshes, key <body>.ngmesh -- is drawn where the body is:
//   - 3D panel only, orthographic projection looking along z, black background, slices hidden, the
//     body in pure red;
//   - the red pixels of the screenshot, compared with the body's footprint (its voxels projected
//     along z, from --expected) scaled onto the red region's bounding box: intersection over union
//     >= --min-iou, and the bounding boxes' aspect ratios agree within 10%;
//   - the same viewer state without the body selected has no red pixel (nothing else is drawn red).
// The viewer is served from 127.0.0.1 and /api/* is forwarded to DVID on the same origin (DVID v1.0.0
// sends no CORS headers unless configured).
//
// usage: node check_body_mesh_neuroglancer.cjs --node-home DIR --dvid URL --uuid UUID --instance NAME
//          --body ID --expected FILE.json --out DIR [--min-iou 0.85] [--chromium /usr/bin/chromium] [--timeout-s 120]
//   FILE.json: {"width": W, "height": H, "center": [x,y,z], "extent": E, "mask": "<W*H chars '0'/'1', row-major, y down>"}
//              (the footprint's bounding box in voxels, its centre and the largest side, for the camera)
"use strict";
const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");

function parseArgs(argv) {
  const a = { chromium: "/usr/bin/chromium", timeoutS: 120, minIou: 0.85 };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (v === undefined) throw new Error(`${k} needs a value`);
    const key = { "--node-home": "nodeHome", "--dvid": "dvid", "--uuid": "uuid", "--instance": "instance", "--body": "body",
                  "--expected": "expected", "--out": "out", "--chromium": "chromium", "--timeout-s": "timeoutS",
                  "--min-iou": "minIou" }[k];
    if (!key) throw new Error(`unknown argument ${k}`);
    a[key] = ["timeoutS", "minIou"].includes(key) ? Number(v) : v;
  }
  for (const k of ["nodeHome", "dvid", "uuid", "instance", "body", "expected", "out"]) if (!a[k]) throw new Error(`--${k} is required`);
  return a;
}

const log = (m) => console.log(`[check_body_mesh] ${m}`);

// The viewer's files, and /api/* forwarded to DVID.
function serve(root, dvid) {
  const target = new URL(dvid);
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname.startsWith("/api/")) {
      const fwd = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
                               (up) => { requests.push(`${up.statusCode} ${req.method} ${url.pathname}`); res.writeHead(up.statusCode, up.headers); up.pipe(res); });
      fwd.on("error", (e) => { requests.push(`502 ${url.pathname} ${e.message}`); res.writeHead(502); res.end(String(e)); });
      req.pipe(fwd);
      return;
    }
    const file = path.join(root, decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname));
    if (file.startsWith(path.resolve(root)) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json" };
      res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" });
      res.end(fs.readFileSync(file));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port, requests })));
}

function state(base, a, exp, segments) {
  return {
    dimensions: { x: [8e-9, "m"], y: [8e-9, "m"], z: [8e-9, "m"] },
    position: exp.center,
    projectionOrientation: [0, 0, 0, 1],
    projectionScale: exp.extent * 1.6,
    layers: [{ type: "segmentation", source: `dvid://${base}/${a.uuid}/${a.instance}`, name: "seg", segments,
               segmentColors: { [a.body]: "#ff0000" }, objectAlpha: 1, selectedAlpha: 0, notSelectedAlpha: 0 }],
    layout: { type: "3d", orthographicProjection: true },
    showSlices: false,
    showAxisLines: false,
    showScaleBar: false,
    showDefaultAnnotations: false,
    projectionBackgroundColor: "#000000",
  };
}

async function redMask(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const c = document.createElement("canvas");
    c.width = img.width; c.height = img.height;
    const g = c.getContext("2d");
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    let mask = "";
    for (let i = 0; i < c.width * c.height; ++i) {
      const r = px[4 * i], gg = px[4 * i + 1], b = px[4 * i + 2];
      const corner = (i % c.width) < 40 && i / c.width < 70;  // the panel's red "x" axis label
      mask += !corner && r > 30 && gg * 3 < r && b * 3 < r ? "1" : "0";  // red, shaded by the lighting
    }
    return { w: c.width, h: c.height, mask };
  }, png.toString("base64"));
}

function bbox(w, h, at) {
  let x0 = w, y0 = h, x1 = -1, y1 = -1, n = 0;
  for (let y = 0; y < h; ++y) for (let x = 0; x < w; ++x) if (at(x, y)) { n++; x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  return { x0, y0, x1, y1, n, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

// IoU of the screenshot's red region with the footprint scaled onto the red region's bounding box
// (x right, y down on the screen as in the footprint: the camera looks along +z).
function compare(shot, exp) {
  const at = (x, y) => shot.mask[y * shot.w + x] === "1";
  const bs = bbox(shot.w, shot.h, at);
  const fe = (x, y) => exp.mask[y * exp.width + x] === "1";
  const be = bbox(exp.width, exp.height, fe);
  if (bs.n === 0) return { red: 0 };
  let inter = 0, union = 0;
  for (let y = bs.y0; y <= bs.y1; ++y) {
    for (let x = bs.x0; x <= bs.x1; ++x) {
      const u = (x - bs.x0 + 0.5) / bs.w, v = (y - bs.y0 + 0.5) / bs.h;
      const e = fe(be.x0 + Math.min(be.w - 1, Math.floor(u * be.w)), be.y0 + Math.min(be.h - 1, Math.floor(v * be.h)));
      const s = at(x, y);
      inter += e && s; union += e || s;
    }
  }
  return { red: bs.n, redBox: [bs.w, bs.h], footprintBox: [be.w, be.h], aspectRed: bs.w / bs.h, aspectFootprint: be.w / be.h,
           iou: inter / union };
}

async function shoot(page, url, timeoutMs, wantRed) {
  await page.goto(url);
  const deadline = Date.now() + timeoutMs;
  await page.waitForFunction(() => window.viewer && window.viewer.display && window.viewer.display.isReady(), null,
                             { timeout: timeoutMs, polling: 200 }).catch(() => {});
  const panel = page.locator(".neuroglancer-rendered-data-panel").first();
  await panel.waitFor({ timeout: Math.max(5000, deadline - Date.now()) });
  // The mesh arrives after the layer is "ready": take screenshots until the red area stops changing.
  let last = -1, shot = null, png = null;
  do {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    png = await panel.screenshot({ timeout: 10000 });
    shot = await redMask(page, png);
    const red = (shot.mask.match(/1/g) || []).length;
    if ((red > 0 || !wantRed) && red === last) break;
    last = red;
    await new Promise((r) => setTimeout(r, 1000));
  } while (Date.now() < deadline);
  return { png, shot };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const { chromium } = require(path.join(a.nodeHome, "node_modules", "playwright-core"));
  fs.mkdirSync(a.out, { recursive: true });
  const exp = JSON.parse(fs.readFileSync(a.expected, "utf8"));
  const srv = await serve(path.join(a.nodeHome, "viewer"), a.dvid);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dflow-chromium-"));
  const problems = [];
  let context, result = {};
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: a.chromium, headless: true, viewport: { width: 800, height: 600 }, deviceScaleFactor: 1,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
             "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-proxy-server"],
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    const base = `http://127.0.0.1:${srv.port}`;
    const url = (segments) => `${base}/index.html#!` + encodeURIComponent(JSON.stringify(state(base, a, exp, segments)));
    const shown = await shoot(page, url([String(a.body)]), a.timeoutS * 1000, true);
    fs.writeFileSync(path.join(a.out, "body.png"), shown.png);
    const none = await shoot(page, url([]), 20000, false);
    fs.writeFileSync(path.join(a.out, "no-body.png"), none.png);
    result = compare(shown.shot, exp);
    result.redWithoutBody = (none.shot.mask.match(/1/g) || []).length;
    result.meshRequests = srv.requests.filter((r) => r.includes(`/key/${a.body}.ngmesh`));
    fs.writeFileSync(path.join(a.out, "result.json"), JSON.stringify({ ...result, problems, requests: srv.requests.slice(0, 200) }, null, 1));
  } finally {
    if (context) await context.close();
    srv.server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  log(`mesh requests: ${JSON.stringify(result.meshRequests)}; ${JSON.stringify(result)}`);
  const fails = [];
  if (!result.meshRequests || !result.meshRequests.some((r) => r.startsWith("200 "))) fails.push(`no successful GET .../key/${a.body}.ngmesh`);
  if (!result.red) fails.push("no red pixel: the body's mesh was not drawn");
  else {
    if (!(result.iou >= a.minIou)) fails.push(`red region vs the body's footprint: IoU ${result.iou.toFixed(3)} < ${a.minIou}`);
    if (Math.abs(Math.log(result.aspectRed / result.aspectFootprint)) > 0.1)
      fails.push(`aspect ratio of the red region ${result.aspectRed.toFixed(3)} vs footprint ${result.aspectFootprint.toFixed(3)}`);
  }
  if (result.redWithoutBody !== 0) fails.push(`${result.redWithoutBody} red pixels without the body selected`);
  if (fails.length) {
    console.log(`[check_body_mesh] FAILED: ${fails.join("; ")} (screenshots in ${a.out})`);
    process.exit(1);
  }
  log(`OK: body ${a.body} drawn from ${a.dvid} (IoU ${result.iou.toFixed(3)} with its footprint, ${result.red} red pixels; none without it)`);
}

main().catch((e) => { console.log(`[check_body_mesh] FAILED: ${e.stack || e}`); process.exit(1); });
