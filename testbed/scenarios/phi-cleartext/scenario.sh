# PHI in clear: a nurse workstation publishes a patient summary with name, MRN and date of
# birth as plain MQTT JSON (stolen device credentials; invented patient).
DEFAULT_DURATION=30
attack_phi_cleartext() {
  local t0 t1
  t0=$(now)
  run_in nurse phi 10 mosquitto_pub -h 10.10.3.2 -i nurse-ws -u "$MQTT_USER" -P "$MQTT_PASSWORD" -q 1 \
    -t ward/icu/cogmon/COGMON-0031/summary \
    -m '{"patient_name":"Testpatient^Alice","mrn":"MRN-00417","dob":"1947-03-12","room":"ICU-07","mmse":21}'
  t1=$(now)
  label phi_cleartext T0882 nurse broker "$t0" "$t1" \
    "MQTT JSON with patient_name, mrn and dob from 10.10.4.50 to the broker, unencrypted"
}
scenario_run() {
  start_ward "$1"
  sleep 7
  attack_phi_cleartext
}
