# Password guessing against the MQTT broker (which requires a password): 30 CONNECTs with
# wrong passwords from the attacker (mosquitto_pub), each refused with "not authorised".
DEFAULT_DURATION=30
attack_mqtt_brute_force() {
  local t0 t1 i
  t0=$(now)
  for i in $(seq 1 30); do
    run_in attacker mosquitto_pub 5 mosquitto_pub -h 10.10.3.2 -p 1883 -i "probe$i" -u admin \
      -P "guess$i" -t ward/test -m x
  done
  t1=$(now)
  label brute_force T1110 attacker broker "$t0" "$t1" \
    "30 MQTT CONNECT attempts as admin with wrong passwords, each refused (CONNACK not authorised)"
}
scenario_run() {
  start_ward "$1"
  sleep 5
  attack_mqtt_brute_force
}
