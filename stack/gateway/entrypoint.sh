#!/bin/sh
# Derive canary.json from canary.conf (the file nginx loads) so /gateway/canary always agrees.
set -eu
dir=/etc/nginx/driftdock
p="$(sed -n 's/.*{[[:space:]]*\([0-9.]*\)%.*/\1/p' "$dir/canary.conf" | head -n1)"
if [ -z "$p" ] && grep -q '\* *api_v2' "$dir/canary.conf"; then p=100; fi
printf '{"canary_percent":%s}\n' "${p:-0}" > "$dir/canary.json"
exec nginx -c /etc/nginx/nginx.conf
