# A day in the ward, compressed: pumps report and are programmed through the pump server, the
# cognitive monitor publishes over MQTT, the recorder pulls the camera stream, the CT stores
# images to the PACS. No attack: labels.json is an empty list.
DEFAULT_DURATION=40
scenario_run() {
  start_ward "$1"
}
