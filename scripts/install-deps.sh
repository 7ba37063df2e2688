#!/usr/bin/env bash
# Installs the Debian packages the build needs (only those missing). Needs root or sudo.
source "$(dirname "$0")/common.sh"
PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates python3-venv
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
  libblosc-dev libzstd-dev zlib1g-dev libdeflate-dev
  libjpeg62-turbo-dev libpng-dev libtiff-dev
  libcurl4-openssl-dev libyaml-cpp-dev libfmt-dev nlohmann-json3-dev
  libssl-dev  # MD5 for S3 bucket requests that need Content-MD5 (kvstore publish)
  libprotobuf-dev protobuf-compiler catch2
  libcpp-httplib-dev libdraco-dev libmeshoptimizer-dev
  chromium
  # A real one-machine Slurm for the cluster tests (scripts/slurm-local.sh): controller, node
  # daemon, clients and munge, without slurm-wlm's optional plugin packages.
  slurmctld slurmd slurm-client munge
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then say "Debian packages: all ${#PACKAGES[@]} present"; exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
say "installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Go builds DVID; it is on machines of this kind already, Debian's golang-go is the fallback.
command -v go >/dev/null || { say "installing golang-go"; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq golang-go >/dev/null; }
