#!/usr/bin/env bash
# `ward policy export --nft` enforced by the real nft: three zones (servers, pumps, guests),
# each a network namespace, joined by a router namespace that forwards between them and loads
# the exported ruleset. Every conduit of the policy connects; every other flow between the
# zones is dropped and counted by the ruleset's drop counter. Everything created is removed on
# exit, also on failure. Exits 77 (skip) without root, network namespaces or nft.
# Usage: segmentation_nft_test.sh WARD_BINARY
set -uo pipefail

ward=$1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
ns="wardt-seg-$$"
tmp=$(mktemp -d)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  for n in r a b c; do ip netns del "$ns-$n" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

skip() { echo "SKIP: $*"; exit 77; }
command -v nft >/dev/null || skip "nft is not installed (scripts/install-deps.sh installs nftables)"
[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
ip netns add "$ns-r" 2>/dev/null || skip "cannot create network namespaces here"

fails=0
passes=0
pass() { echo "ok   - $1"; passes=$((passes + 1)); }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }

# Topology: zone N (a=1 servers, b=2 pumps, c=3 guests) is 10.231.N.0/24; its host is .2 and
# the router's leg .1.
for n in a b c; do ip netns add "$ns-$n" || { echo "cannot create $ns-$n"; exit 1; }; done
i=0
for n in a b c; do
  i=$((i + 1))
  ip link add "wsg$$$n" type veth peer name "wsh$$$n" || exit 1
  ip link set "wsg$$$n" netns "$ns-r"
  ip link set "wsh$$$n" netns "$ns-$n"
  ip -n "$ns-r" addr add "10.231.$i.1/24" dev "wsg$$$n"
  ip -n "$ns-r" link set "wsg$$$n" up
  ip -n "$ns-$n" addr add "10.231.$i.2/24" dev "wsh$$$n"
  ip -n "$ns-$n" link set "wsh$$$n" up
  ip -n "$ns-$n" link set lo up
  ip -n "$ns-$n" route add default via "10.231.$i.1"
done
ip -n "$ns-r" link set lo up
ip netns exec "$ns-r" sysctl -qw net.ipv4.ip_forward=1 || exit 1

cat > "$tmp/ward.yaml" <<'EOF'
version: 1
zones:
  - {name: servers, cidrs: [10.231.1.0/24], security_level: 2}
  - {name: pumps, cidrs: [10.231.2.0/24], device_classes: [infusion_pump], medical: true}
  - {name: guests, cidrs: [10.231.3.0/24], security_level: 1}
conduits:
  - {from: servers, to: pumps, ports: [tcp/8000]}
  - {from: pumps, to: servers, protocols: [hl7]}
  - {from: guests, to: servers, ports: [tcp/8443]}
EOF
"$ward" policy check "$tmp/ward.yaml" >/dev/null || { echo "policy check failed"; exit 1; }
"$ward" policy export --nft --policy "$tmp/ward.yaml" -o "$tmp/ward.nft" || exit 1
if ip netns exec "$ns-r" nft -f "$tmp/ward.nft"; then
  pass "the exported ruleset loads into nft"
else
  fail "the exported ruleset loads into nft"
  exit 1
fi

# Listeners: servers on 2575, 8443 and 9999; pumps on 8000 and 9999; guests on 8000.
listen() {  # NS IP PORT
  timeout 120 ip netns exec "$1" "$PY" -m http.server --bind "$2" "$3" >/dev/null 2>&1 &
  pids+=($!)
}
listen "$ns-a" 10.231.1.2 2575
listen "$ns-a" 10.231.1.2 8443
listen "$ns-a" 10.231.1.2 9999
listen "$ns-b" 10.231.2.2 8000
listen "$ns-b" 10.231.2.2 9999
listen "$ns-c" 10.231.3.2 8000
for _ in $(seq 1 100); do
  n=$( (ip netns exec "$ns-a" ss -Hltn; ip netns exec "$ns-b" ss -Hltn; ip netns exec "$ns-c" ss -Hltn) | wc -l)
  [ "$n" -ge 6 ] && break
  sleep 0.1
done

connects() {  # FROM_NS IP PORT
  ip netns exec "$1" timeout 3 bash -c "</dev/tcp/$2/$3" 2>/dev/null
}
drops() {
  ip netns exec "$ns-r" nft list counter inet ward drops | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# Every conduit connects.
connects "$ns-a" 10.231.2.2 8000 && pass "servers -> pumps tcp/8000 (conduit)" || fail "servers -> pumps tcp/8000 (conduit)"
connects "$ns-b" 10.231.1.2 2575 && pass "pumps -> servers hl7 tcp/2575 (conduit)" || fail "pumps -> servers hl7 tcp/2575 (conduit)"
connects "$ns-c" 10.231.1.2 8443 && pass "guests -> servers tcp/8443 (conduit)" || fail "guests -> servers tcp/8443 (conduit)"
before=$(drops)
[ "$before" = 0 ] && pass "nothing dropped while only conduits were used" || fail "drops before the denied flows: $before"

# Every other flow between the zones is dropped: other ports, reverse directions, other zones.
denied=0
for flow in "a 10.231.2.2 9999 servers->pumps:9999" "b 10.231.1.2 8443 pumps->servers:8443" \
            "b 10.231.1.2 9999 pumps->servers:9999" "c 10.231.2.2 8000 guests->pumps:8000" \
            "c 10.231.1.2 2575 guests->servers:2575" "a 10.231.3.2 8000 servers->guests:8000" \
            "b 10.231.3.2 8000 pumps->guests:8000"; do
  set -- $flow
  if connects "$ns-$1" "$2" "$3"; then
    fail "$4 connected but no conduit allows it"
  else
    pass "$4 dropped"
    denied=$((denied + 1))
  fi
done
after=$(drops)
if [ -n "$after" ] && [ "$after" -ge $((before + denied)) ]; then
  pass "the drop counter rose from $before to $after packets ($denied flows denied)"
else
  fail "the drop counter did not rise by at least $denied: $before -> $after"
fi
# (Listed into a file first: grep -q closing the pipe early would fail the pipeline.)
ip netns exec "$ns-r" nft list chain inet ward forward > "$tmp/chain.txt"
grep -q 'log prefix "ward-drop "' "$tmp/chain.txt" &&
  pass "drops are logged with the prefix ward-drop" || fail "no log rule before the drop"

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
