# A day in the ward with every attack of the other scenarios, one after the other, 5 s apart,
# over the everyday traffic: one capture, one label per attack (for the demo and `ward eval`).
# The attacks are the other scenarios' attack_* functions, sourced from their files.
for _s in alarm-suppression rogue-programming over-limit-dose drug-library-tampering spoofed-vitals phi-cleartext \
  port-scan ping-sweep syn-flood udp-flood icmp-flood mqtt-brute-force http-brute-force \
  rtsp-brute-force mqtt-connect-flood mqtt-publish-flood mqtt-malformed camera-unauthorized segmentation-violation exfiltration \
  arp-spoof; do
  # shellcheck source=/dev/null
  source "$(dirname "${BASH_SOURCE[0]}")/../$_s/scenario.sh"
done
unset _s
DEFAULT_DURATION=185
scenario_run() {
  PUMP1_ARGS="--alarm-after 6"
  start_ward "$1"
  sleep 10
  local a
  for a in alarm_suppression rogue_programming over_limit_dose drug_library_tampering spoofed_vitals phi_cleartext \
    port_scan ping_sweep syn_flood udp_flood icmp_flood mqtt_brute_force http_brute_force \
    rtsp_brute_force mqtt_connect_flood mqtt_publish_flood mqtt_malformed camera_unauthorized segmentation_violation exfiltration \
    arp_spoof; do
    "attack_$a" || { echo "attack $a failed" >&2; return 1; }
    sleep 5
  done
}
