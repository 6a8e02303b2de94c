#!/usr/bin/env bash
# Prints what a verified backup costs on a database of about $SIZE_MB MB, against the plain
# tools doing the same work. Needs the lab up; touches only databases of its own.
#   1. Fill: a separate database, driftdock_figures, in the lab's Postgres (dropped first if
#      it is there), filled inside Postgres with generate_series in batches: accounts, and
#      events (bigint id, type, a jsonb payload that varies with the type, status, attempts,
#      error, timestamps) with two secondary indexes and a foreign key; then VACUUM ANALYZE,
#      not in parallel: the container's /dev/shm (64 MB) cannot hold a parallel vacuum's
#      dead-tuple area of maintenance_work_mem (64 MB) for a table this size.
#      Prints its pg_database_size and how long the fill took.
#   2. $ROUNDS rounds on that database, the order of the two sides alternating from round to
#      round so neither profits more from warm caches:
#        plain:     docker exec pg_dump -Fc to a file on this host; then a scratch database,
#                   docker exec -i pg_restore --no-owner into it, the scratch dropped (the
#                   restore's time includes the create and the drop, as verify's does).
#        driftdock: driftdock backup create --json, then driftdock backup verify ID --json
#                   (sha256, a restore into a scratch database, row counts compared with the
#                   manifest), with a backup folder, audit log and ledger of this run's own.
#      Prints each round, then the median (with an even count, the mean of the middle two):
#      the seconds of each step, the ratio driftdock/plain (goal ≤ 1.5), the dump's
#      throughput (database size / time to the file, and file size / time) and the file sizes.
#   3. Where driftdock's extra time goes, measured alone after the rounds: the manifest's exact
#      row counts on the source, and a sha256 of the backup file on this host.
# Drops its databases and removes its files however it ends. The lab archives every WAL
# segment, and this run writes about five times the database size in WAL (some 5 GB for
# 1 GB); the archive is left as it is, its growth said.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB="${SIZE_MB:-1024}"
ROUNDS="${ROUNDS:-2}"
PROJECT=driftdock
DB_USER=driftdock
DB_PASSWORD=driftdock-lab
DB=driftdock_figures
SCRATCH=driftdock_figures_scratch
# Rows per INSERT … generate_series statement.
BATCH="${BATCH:-250000}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target_dir/release/driftdock"
run_started=$(date +%s%N)

cargo build --release -q --bin driftdock

pg=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" \
  --filter "label=com.docker.compose.service=postgres" | head -n1)
[ -n "$pg" ] || { echo "the lab is not up" >&2; exit 1; }

work="$(mktemp -d)"
backups="$work/backups"
mkdir -p "$backups"
# Backup ids this run made: their verify scratch databases go too if a verify is cut off.
made_ids=()

# psql in the container over the local socket: psql_db DB SQL
psql_db() {
  docker exec -i -e PGOPTIONS="-c client_min_messages=warning" "$pg" psql -X -U "$DB_USER" -d "$1" -v ON_ERROR_STOP=1 -tAq -c "$2"
}
sql() { psql_db postgres "$1"; }
drop_db() { sql "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; }

cleanup() {
  local id
  drop_db "$SCRATCH" >/dev/null 2>&1 || true
  for id in "${made_ids[@]}"; do
    drop_db "driftdock_verify_$(tr '[:upper:]-' '[:lower:]_' <<<"$id")" >/dev/null 2>&1 || true
  done
  drop_db "$DB" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
median() { # of the numbers on stdin
  sort -g | awk '{ a[NR] = $1 } END { printf "%.2f", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}
# jget FILE .a.b: one field of a JSON file (jq if there, else python3).
jget() {
  if command -v jq >/dev/null; then
    jq -r "$2" "$1"
  else
    python3 - "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].strip(".").split("."):
    v = v.get(k) if isinstance(v, dict) else None
if v is None:
    print("null")
elif isinstance(v, bool):
    print(str(v).lower())
elif isinstance(v, (dict, list)):
    print(json.dumps(v))
else:
    print(v)
PY
  fi
}
archived() { sql "SELECT archived_count FROM pg_stat_archiver"; }
archived_before=$(archived)

echo "== 1. fill $DB to about $SIZE_MB MB"
t0=$(now_ns)
drop_db "$DB" >/dev/null
drop_db "$SCRATCH" >/dev/null
sql "CREATE DATABASE $DB TEMPLATE template0" >/dev/null
psql_db "$DB" "
CREATE TABLE accounts (
  id bigint PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  plan text NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO accounts
SELECT g, 'Account ' || g,
       'ops+' || substr(md5(g::text), 1, 10) || '@example.' || (ARRAY['com','org','net','io'])[1 + g % 4],
       (ARRAY['free','free','team','business','enterprise'])[1 + (g * 7) % 5],
       timestamptz '2024-01-01' + g * interval '17 minutes'
FROM generate_series(1, 50000) g;
CREATE TABLE events (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);" >/dev/null
# Rows lo..hi of events; the payload's keys and size depend on the type.
fill() {
  psql_db "$DB" "
INSERT INTO events (id, account_id, type, payload, status, attempts, error, created_at, updated_at)
SELECT g, a, t, p, s,
       CASE s WHEN 'failed' THEN 3 WHEN 'done' THEN 1 + (g % 11 = 0)::int ELSE 0 END,
       CASE s WHEN 'failed' THEN (ARRAY['timeout after 30s', 'upstream 502 from billing',
         'payload rejected: schema v1 expected', 'connection reset by peer'])[1 + g % 4] END,
       c, c + (random() * 300) * interval '1 second'
FROM (
  SELECT g, a, t, c,
         CASE WHEN r < 0.85 THEN 'done' WHEN r < 0.90 THEN 'failed'
              WHEN r < 0.95 THEN 'queued' ELSE 'processing' END AS s,
         jsonb_build_object(
           'v', 1 + g % 3,
           'request_id', md5(g::text || 'r'),
           'source', (ARRAY['api-v1','api-v2','worker','cron','webhook'])[1 + (g * 13) % 5],
           'ip', (10 + g % 200) || '.' || (g / 7) % 256 || '.' || (g / 11) % 256 || '.' || g % 251,
           'tags', to_jsonb((ARRAY['eu','us','beta','mobile','web','retry','bulk','vip'])[1 + g % 8 : 1 + g % 8 + g % 4]),
           'note', substr(md5(random()::text) || ' ' || md5(random()::text) || ' ' || md5(random()::text)
                          || ' ' || md5(random()::text), 1, ((g * 37) % 133)::int)
         ) || CASE
           WHEN t LIKE 'order.%' THEN jsonb_build_object(
             'order_id', 'ord_' || substr(md5(g::text), 1, 12),
             'currency', (ARRAY['EUR','USD','GBP'])[1 + g % 3],
             'amount', round((random() * 900 + 5)::numeric, 2),
             'items', (SELECT jsonb_agg(jsonb_build_object('sku', 'SKU-' || (g * 31 + i) % 9973,
                                                           'qty', 1 + (g + i) % 4,
                                                           'price', round((random() * 200)::numeric, 2)))
                       FROM generate_series(1, 1 + g % 5) i))
           WHEN t = 'user.signup' THEN jsonb_build_object(
             'email', 'u' || g || '@example.org', 'plan', (ARRAY['free','team'])[1 + g % 2],
             'referrer', CASE WHEN g % 3 = 0 THEN 'https://news.example.com/' || g % 977 END)
           WHEN t = 'email.sent' THEN jsonb_build_object(
             'template', (ARRAY['welcome','receipt','reset','digest'])[1 + g % 4],
             'to', 'u' || (g % 50000) || '@example.org', 'bytes', 2000 + (g * 7919) % 60000)
           WHEN t = 'page.view' THEN jsonb_build_object(
             'path', '/app/' || (ARRAY['dashboard','billing','settings','reports'])[1 + g % 4] || '/' || g % 1000,
             'ms', (random() * 900)::int,
             'ua', (ARRAY['Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
                          'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15',
                          'curl/8.5.0'])[1 + g % 3])
           ELSE jsonb_build_object(
             'attempt', 1 + g % 3, 'status_code', (ARRAY[200, 200, 201, 404, 500])[1 + g % 5],
             'url', 'https://hooks.example.net/' || substr(md5(g::text || 'h'), 1, 16))
         END AS p
  FROM (
    SELECT g, 1 + (hashint8(g) & 2147483647) % 50000 AS a, random() AS r,
           (ARRAY['order.created','order.paid','user.signup','email.sent',
                  'page.view','page.view','webhook.delivered','invoice.issued'])[1 + (g * 7) % 8] AS t,
           timestamptz '2026-06-01' + g * interval '2 seconds' AS c
    FROM generate_series($1::bigint, $2::bigint) g
  ) base
) rows" >/dev/null
}
indexes() {
  psql_db "$DB" "CREATE INDEX events_account_created ON events (account_id, created_at);
                 CREATE INDEX events_open ON events (status, created_at) WHERE status IN ('queued', 'processing')" >/dev/null
}
db_bytes() { sql "SELECT pg_database_size('$DB')"; }
# One batch, its indexes built, gives the bytes a row takes; the rest goes in without the
# secondary indexes, which are built again at the end.
empty=$(db_bytes)
fill 1 "$BATCH"
indexes
per_row=$(( ($(db_bytes) - empty) / BATCH ))
psql_db "$DB" "DROP INDEX events_account_created; DROP INDEX events_open" >/dev/null
rows=$(( (SIZE_MB * 1048576 - empty) / per_row ))
[ "$rows" -gt "$BATCH" ] || rows=$BATCH
done_rows=$BATCH
while [ "$done_rows" -lt "$rows" ]; do
  next=$(( done_rows + BATCH < rows ? done_rows + BATCH : rows ))
  fill $((done_rows + 1)) "$next"
  done_rows=$next
done
indexes
psql_db "$DB" "SELECT setval(pg_get_serial_sequence('events', 'id'), $rows);
               ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)" >/dev/null
psql_db "$DB" "VACUUM (ANALYZE, PARALLEL 0)" >/dev/null
t1=$(now_ns)
db_size=$(db_bytes)
db_mb=$(mb "$db_size")
echo "  $db_mb MB (pg_database_size), $rows events + 50000 accounts, filled in $(secs "$t0" "$t1") s"
psql_db "$DB" "SELECT '  ' || relname || ': ' || round(pg_total_relation_size(oid) / 1048576.0, 1) || ' MB with indexes and toast'
               FROM pg_class WHERE relname IN ('events', 'accounts') ORDER BY 1"

export DRIFTDOCK_DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:5432/$DB"
export DRIFTDOCK_BACKUP_DIR="$backups"
export DRIFTDOCK_AUDIT_LOG="$work/audit.jsonl"
export DRIFTDOCK_LEDGER="$work/ledger.json"

# Each side appends "step seconds" lines to $work/r<round>; file sizes go to $work/sizes.
plain() {
  local round="$1" t0 t1 t2 file="$work/plain.dump"
  t0=$(now_ns)
  docker exec "$pg" pg_dump -Fc -U "$DB_USER" -d "$DB" >"$file"
  t1=$(now_ns)
  sql "CREATE DATABASE $SCRATCH TEMPLATE template0" >/dev/null
  docker exec -i "$pg" pg_restore --no-owner -U "$DB_USER" -d "$SCRATCH" <"$file"
  drop_db "$SCRATCH" >/dev/null
  t2=$(now_ns)
  echo "plain_dump $(secs "$t0" "$t1")" >>"$work/r$round"
  echo "plain_restore $(secs "$t1" "$t2")" >>"$work/r$round"
  echo "plain_file $(stat -c %s "$file")" >>"$work/sizes"
  rm -f "$file"
}
driftdock() {
  local round="$1" t0 t1 t2 id ok
  t0=$(now_ns)
  if ! "$bin" backup create --json >"$work/create.json" 2>"$work/create.err"; then
    echo "driftdock backup create failed:" >&2; cat "$work/create.json" "$work/create.err" >&2; return 1
  fi
  t1=$(now_ns)
  id=$(jget "$work/create.json" .backup.id)
  made_ids+=("$id")
  if ! "$bin" backup verify "$id" --json >"$work/verify.json" 2>"$work/verify.err"; then
    echo "driftdock backup verify $id failed:" >&2; cat "$work/verify.json" "$work/verify.err" >&2; return 1
  fi
  t2=$(now_ns)
  ok=$(jget "$work/verify.json" .backup.verified.ok)
  [ "$ok" = true ] || { echo "verify of $id did not report ok: $ok" >&2; return 1; }
  echo "dd_create $(secs "$t0" "$t1")" >>"$work/r$round"
  echo "dd_verify $(secs "$t1" "$t2")" >>"$work/r$round"
  echo "dd_file $(jget "$work/create.json" .backup.size)" >>"$work/sizes"
  echo "  round $round: driftdock verify: $(jget "$work/verify.json" .backup.verified.detail)"
  # The last one stays for section 3.
  last_id="$id"
  find "$backups" -maxdepth 1 -name '*.dump' ! -name "$id.dump" -delete
}

echo "== 2. plain pg_dump + pg_restore against driftdock backup create + verify, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  : >"$work/r$round"
  if [ $((round % 2)) = 1 ]; then
    plain "$round"; driftdock "$round"; order="plain first"
  else
    driftdock "$round"; plain "$round"; order="driftdock first"
  fi
  echo "round $round $order" >>"$work/order"
done

get() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
row() { # label, then per-round values, then the median
  local label="$1"; shift
  printf '  %-36s' "$label"
  printf ' %10s' "$@"
  printf '\n'
}
header=(); for round in $(seq "$ROUNDS"); do header+=("round $round"); done
echo
row "" "${header[@]}" "median"
declare -A med
for key in plain_dump plain_restore plain_total dd_create dd_verify dd_total ratio; do
  vals=()
  for round in $(seq "$ROUNDS"); do
    f="$work/r$round"
    case $key in
      plain_total) v=$(awk -v a="$(get "$f" plain_dump)" -v b="$(get "$f" plain_restore)" 'BEGIN { printf "%.2f", a + b }') ;;
      dd_total) v=$(awk -v a="$(get "$f" dd_create)" -v b="$(get "$f" dd_verify)" 'BEGIN { printf "%.2f", a + b }') ;;
      ratio) v=$(awk -v a="$(get "$f" dd_create)" -v b="$(get "$f" dd_verify)" \
                     -v c="$(get "$f" plain_dump)" -v d="$(get "$f" plain_restore)" 'BEGIN { printf "%.2f", (a + b) / (c + d) }') ;;
      *) v=$(get "$f" "$key") ;;
    esac
    vals+=("$v")
  done
  med[$key]=$(printf '%s\n' "${vals[@]}" | median)
  case $key in
    plain_dump) label="plain pg_dump -Fc (s)" ;;
    plain_restore) label="plain pg_restore into scratch (s)" ;;
    plain_total) label="plain total (s)" ;;
    dd_create) label="driftdock backup create (s)" ;;
    dd_verify) label="driftdock backup verify (s)" ;;
    dd_total) label="driftdock total (s)" ;;
    ratio) label="ratio driftdock/plain (goal <= 1.5)" ;;
  esac
  row "$label" "${vals[@]}" "${med[$key]}"
done
plain_file=$(awk '$1 == "plain_file" { print $2 }' "$work/sizes" | tail -n1)
dd_file=$(awk '$1 == "dd_file" { print $2 }' "$work/sizes" | tail -n1)
echo
echo "  database $db_mb MB; dump file: driftdock $(mb "$dd_file") MB, plain $(mb "$plain_file") MB"
echo "  driftdock create: $(div "$db_mb" "${med[dd_create]}") MB/s of database, $(div "$(mb "$dd_file")" "${med[dd_create]}") MB/s of file (medians)"
echo "  plain pg_dump:    $(div "$db_mb" "${med[plain_dump]}") MB/s of database, $(div "$(mb "$plain_file")" "${med[plain_dump]}") MB/s of file (medians)"
verdict="within"
awk -v r="${med[ratio]}" 'BEGIN { exit !(r > 1.5) }' && verdict="OVER"
echo "  ratio ${med[ratio]}: $verdict the goal of 1.5"

echo "== 3. where driftdock's extra time goes (each alone)"
t0=$(now_ns)
psql_db "$DB" "SELECT count(*) FROM accounts; SELECT count(*) FROM events" >/dev/null
t1=$(now_ns)
echo "  exact row counts of the source, as the manifest takes them: $(secs "$t0" "$t1") s"
t0=$(now_ns)
sha256sum "$backups/$last_id.dump" >/dev/null
t1=$(now_ns)
echo "  sha256sum of the $(mb "$dd_file") MB backup file on this host: $(secs "$t0" "$t1") s"
started=$(date -d "$(jget "$work/create.json" .backup.started_at)" +%s%N)
finished=$(date -d "$(jget "$work/create.json" .backup.finished_at)" +%s%N)
echo "  the last round as driftdock timed itself: create $(secs "$started" "$finished") s (manifest), verify $(div "$(jget "$work/verify.json" .backup.verified.took_ms)" 1000) s"
echo "  WAL segments the lab archived during this run: $(( $(archived) - archived_before )) (16 MB each, kept)"
echo "whole run: $(secs "$run_started" "$(now_ns)") s"
