# Segmentation violation: the cognitive monitor's host (IoT zone) asks the PACS (imaging zone)
# for a DICOM association to send C-ECHOs, a conduit that does not exist in the ward's design.
# The PACS refuses it (COGMON is not one of its peers), so echoscu stops after that one
# attempt; the connection across zones is the violation either way.
DEFAULT_DURATION=30
attack_segmentation_violation() {
  command -v echoscu > /dev/null || { echo "echoscu missing (dcmtk)" >&2; return 1; }
  local t0 t1
  t0=$(now)
  run_in cogmon echoscu 15 echoscu -v -aet COGMON -aec PACS --repeat 3 10.10.7.10 104
  t1=$(now)
  label segmentation_violation T0886 cogmon pacs "$t0" "$t1" \
    "DICOM association for C-ECHO from the IoT zone (10.10.3.31) to the PACS (10.10.7.10:104), refused by the PACS"
}
scenario_run() {
  start_ward "$1"
  sleep 8
  attack_segmentation_violation
}
