# Reconnaissance: a TCP SYN scan (nmap -sS) of the pumps and the pump server from the attacker,
# rate-limited and bounded in ports, retries and time.
DEFAULT_DURATION=40
attack_port_scan() {
  command -v nmap > /dev/null || { echo "nmap missing (scripts/install-deps.sh)" >&2; return 1; }
  local t0 t1
  t0=$(now)
  run_in attacker nmap 60 nmap -sS -n -Pn -p 1-1024,1883,2575,3000,8080 --max-rate 800 --max-retries 1 \
    --host-timeout 25s 10.10.2.21 10.10.2.22 10.10.1.5
  t1=$(now)
  label recon_scan T0846 attacker "pump1 pump2 pumpsrv" "$t0" "$t1" \
    "nmap -sS of 1029 TCP ports on two pumps and the pump server"
}
scenario_run() {
  start_ward "$1"
  sleep 6
  attack_port_scan
}
