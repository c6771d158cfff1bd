# Host discovery: an ICMP echo sweep (nmap -sn -PE --send-ip) of the pump subnet's first 40
# addresses, rate-limited.
DEFAULT_DURATION=30
attack_ping_sweep() {
  command -v nmap > /dev/null || { echo "nmap missing (scripts/install-deps.sh)" >&2; return 1; }
  local t0 t1
  t0=$(now)
  run_in attacker nmap 40 nmap -sn -n -PE --send-ip --max-rate 200 --max-retries 1 10.10.2.1-40
  t1=$(now)
  label ping_sweep T0846 attacker "pump1 pump2" "$t0" "$t1" \
    "nmap -sn -PE: ICMP echo requests to 10.10.2.1-40; two pumps answer"
}
scenario_run() {
  start_ward "$1"
  sleep 6
  attack_ping_sweep
}
