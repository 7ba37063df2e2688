#!/usr/bin/env bash
# The neuroglancer check's Node side, cached by the hash of tests/neuroglancer/package*.json:
#   $NODE_HOME/node_modules   playwright-core (npm ci from package-lock.json; drives Debian's chromium)
#   $NODE_HOME/viewer         a prebuilt neuroglancer client (package.json "dvidflow.viewer": npm pack of
#                             the pinned package, integrity checked, its dist/min extracted)
# Prints the directory on the last line. Needs node/npm (Debian's nodejs) and, to run, /usr/bin/chromium.
source "$(dirname "$0")/common.sh"
src="$DFLOW_ROOT/tests/neuroglancer"
home="$(node_home)"
if [ -f "$home/.complete" ]; then say "Node deps: cached $home"; echo "$home"; exit 0; fi
command -v npm >/dev/null || die "npm is not installed (apt-get install nodejs npm)"
say "installing the neuroglancer check's Node deps into $home"
rm -rf "$home"; mkdir -p "$home"
cp "$src/package.json" "$src/package-lock.json" "$home/"
(cd "$home" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$home/npm.log" 2>&1) \
  || { tail -20 "$home/npm.log" >&2; die "npm ci failed (log: $home/npm.log)"; }
read -r pkg ver want dir < <(node -e '
  const v = require(process.argv[1]).dvidflow.viewer;
  console.log(v.package, v.version, v.integrity, v.dir);' "$home/package.json")
tgz="$(cd "$home" && npm pack --silent "$pkg@$ver" 2>>"$home/npm.log" | tail -1)"
[ -f "$home/$tgz" ] || die "npm pack $pkg@$ver failed (log: $home/npm.log)"
got="$(node -e 'const c = require("crypto"), fs = require("fs");
  console.log("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));' "$home/$tgz")"
[ "$got" = "$want" ] || die "$pkg@$ver: integrity $got does not match the pinned $want"
mkdir -p "$home/unpack" "$home/viewer"
tar -xzf "$home/$tgz" -C "$home/unpack" "$dir"
cp -r "$home/unpack/$dir/." "$home/viewer/"
rm -rf "$home/unpack" "$home/$tgz"
[ -f "$home/viewer/index.html" ] && [ -f "$home/viewer/main.bundle.js" ] || die "$pkg@$ver has no built viewer in $dir"
touch "$home/.complete"
say "Node deps ready: playwright-core, neuroglancer viewer $pkg@$ver"
echo "$home"
