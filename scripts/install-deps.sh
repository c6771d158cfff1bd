#!/usr/bin/env bash
# Installs every package Ward needs to build, test and run on Debian 12.
# Idempotent: packages already present are left alone; safe to run on every `make`.
# Usage: scripts/install-deps.sh [--quiet]
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev llvm
  # libraries
  libpcap-dev libssl-dev libsqlite3-dev libyaml-cpp-dev nlohmann-json3-dev
  libcli11-dev libspdlog-dev libfmt-dev zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # real tools used by tests, the demo and the benchmark scripts
  python3 sqlite3 tshark tcpdump time
  # the IEEE OUI registry (/usr/share/ieee-data/oui.csv): vendors from MAC addresses
  ieee-data
  # a real RTSP server and client for the RTSP/RTP end-to-end test (tests/e2e/rtsp_gst_test.sh)
  python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-tools
  # nft, to enforce `ward policy export --nft` rulesets (tests/segmentation_nft_test.sh)
  nftables
  # DICOM peers (storescp, storescu, echoscu, findscu, dcmqrscp) for tests/dicom_dcmtk_test.sh
  dcmtk
  # the testbed (testbed/run): namespaces, a real MQTT broker and clients, attack tools, and
  # openssl, which makes each run's CA and server certificates (MQTT over TLS, HTTPS)
  iproute2 mosquitto mosquitto-clients libmosquitto-dev nmap hping3 dsniff curl openssl
  # the testbed's DHCP/DNS server (dnsmasq-base: the binary, no system service), its DHCP
  # client (busybox udhcpc) and the brute-force tool of the HTTP scenario
  dnsmasq-base udhcpc hydra
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-}" = "--quiet" ] || echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
