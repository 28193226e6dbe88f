#!/usr/bin/env bash
# bench/waf-detect.sh — WAF detection benchmark: Rampart's default web ACL
# against nginx + ModSecurity + Debian's OWASP CRS at paranoia levels 1 and 2.
#
# Builds a labelled request set (bench/waf/corpus.py: OWASP CRS regression
# tests, PayloadsAllTheThings payload lists, a generated benign set), sends
# every request raw to nginx + ModSecurity + CRS at each paranoia level,
# evaluates the same requests with `rampart waf test` (offline) or sends them
# to a running Rampart load balancer (--rampart-url), and prints per class the
# detection rate, the false-positive rate and the goal checks.
#
# Usage (as root):
#   ./bench/waf-detect.sh [--quick] [--levels 1,2] [--rampart PATH] [--web-acl FILE]
#                         [--rampart-url URL] [--no-rampart] [--concurrency N]
#                         [--out FILE] [--keep]
#   ./bench/waf-detect.sh --misses CLASS     (sqli, xss, ..., all; fp = Rampart's false positives)
#
# See bench/waf/README.md for the corpus, the decisions and how to read the figures.
set -euo pipefail

# --- One place for ports and limits -------------------------------------------
readonly CRS_PORT_BASE=18190     # CRS PLn: nginx + ModSecurity on 18190+n, its backend on 18290+n
readonly BACKEND_PORT_BASE=18290
readonly SEND_TIMEOUT=10         # seconds per request (connect, send, response head)
readonly NICE_LEVEL=10           # the machine is shared: benchmark processes yield to others

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
readonly WAF_DIR="$REPO/bench/waf"
readonly RESULTS_DIR="$REPO/bench/results"
readonly OUTCOMES="$RESULTS_DIR/waf-detect-outcomes.jsonl"
readonly REQUESTS_COPY="$RESULTS_DIR/waf-detect-requests.jsonl"
# shellcheck source=bench/waf/modsec.sh
source "$WAF_DIR/modsec.sh"
# shellcheck source=bench/apt.sh
source "$WAF_DIR/../apt.sh"

QUICK=0
LEVELS=1,2
RAMPART_BIN=""
WEB_ACL="$REPO/examples/waf/default-web-acl.json"
RAMPART_URL=""
NO_RAMPART=0
CONCURRENCY=4
OUT=""
KEEP_WORK=0
MISSES=""
readonly ARGS_TEXT="$*"

usage() {
    sed -n '/^# Usage/,/^# See/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
    echo "waf-detect.sh: $*" >&2
    exit 1
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) QUICK=1; shift ;;
        --levels) LEVELS=${2:?}; shift 2 ;;
        --rampart) RAMPART_BIN=${2:?}; shift 2 ;;
        --web-acl) WEB_ACL=${2:?}; shift 2 ;;
        --rampart-url) RAMPART_URL=${2:?}; shift 2 ;;
        --no-rampart) NO_RAMPART=1; shift ;;
        --concurrency) CONCURRENCY=${2:?}; shift 2 ;;
        --out) OUT=${2:?}; shift 2 ;;
        --keep) KEEP_WORK=1; shift ;;
        --misses) MISSES=${2:?}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

[[ $LEVELS =~ ^[1-4](,[1-4])*$ ]] || die "--levels must be a list of paranoia levels 1-4, e.g. 1,2"
[[ $CONCURRENCY =~ ^[1-9][0-9]*$ ]] || die "--concurrency must be a positive integer"
if [[ -n $RAMPART_URL && ! $RAMPART_URL =~ ^http://[^/:]+:[0-9]+/?$ ]]; then
    die "--rampart-url must look like http://127.0.0.1:18083"
fi
if [[ -z $OUT ]]; then
    if [[ $QUICK -eq 1 ]]; then OUT="$RESULTS_DIR/waf-detect-quick.md"; else OUT="$RESULTS_DIR/waf-detect-latest.md"; fi
fi
IFS=, read -ra LEVEL_LIST <<<"$LEVELS"

if [[ -n $MISSES ]]; then
    exec python3 "$WAF_DIR/report.py" --requests "$REQUESTS_COPY" --outcomes "$OUTCOMES" --misses "$MISSES"
fi

# --- Setup: packages ---------------------------------------------------------
# Installs only what is missing, from Debian's packages, without letting the
# packages start their own services (bench/apt.sh).
install_packages() {
    local -a missing=()
    command -v python3 >/dev/null || missing+=(python3)
    python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
    command -v curl >/dev/null || missing+=(curl)
    mapfile -t -O "${#missing[@]}" missing < <(modsec_missing_packages)
    [[ ${#missing[@]} -eq 0 ]] && return 0
    apt_install "${TMPDIR:-/tmp}/waf-detect-apt.log" "${missing[@]}"
    if [[ -d /run/systemd/system ]]; then
        systemctl disable --now nginx >/dev/null 2>&1 || true
    fi
}

# --- Setup: process bookkeeping ----------------------------------------------
NGINX_PID=""
WORK=""

stop_nginx() {
    local pid=$NGINX_PID i
    [[ -n $pid ]] || return 0
    NGINX_PID=""
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_nginx
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ $KEEP_WORK -eq 1 ]]; then
            echo "work dir kept: $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

now() { date +%s.%N; }
TIMINGS=""
record_time() { # name start detail
    printf '%s\t%s\t%s\n' "$1" "$(awk -v a="$2" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')" "${3:-}" >>"$TIMINGS"
}

# --- ModSecurity side ----------------------------------------------------------
# Starts nginx + ModSecurity + CRS at paranoia level $1, sends every request,
# stops it. Results: $WORK/crs-pl$1.jsonl.
run_crs() {
    local pl=$1 dir="$WORK/crs-pl$1" port=$((CRS_PORT_BASE + $1)) backend=$((BACKEND_PORT_BASE + $1)) i t0
    port_free "$port" || die "127.0.0.1:$port is already in use"
    port_free "$backend" || die "127.0.0.1:$backend is already in use"
    mkdir -p "$dir"
    modsec_render "$dir/modsec" "$pl" Off || die "could not configure ModSecurity from $MODSEC_RECOMMENDED"
    sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@BACKEND_PORT@|$backend|g" \
        -e "s|@MODSEC_MODULE@|$MODSEC_MODULE|g" "$WAF_DIR/nginx.conf" >"$dir/nginx.conf"
    chmod 755 "$dir"

    t0=$(now)
    nice -n "$NICE_LEVEL" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
        -g 'daemon off;' >"$dir/nginx.out" 2>&1 &
    NGINX_PID=$!
    # CRS takes a few seconds to load; a plain GET with browser headers must pass.
    for ((i = 0; i < 300; i++)); do
        kill -0 "$NGINX_PID" 2>/dev/null || { tail -n 20 "$dir/nginx.out" "$dir/error.log" >&2; die "nginx (CRS PL$pl) exited during startup"; }
        if [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' -A 'Mozilla/5.0' -H 'Accept: text/html' \
            "http://127.0.0.1:$port/") == 200 ]]; then
            break
        fi
        sleep 0.1
    done
    [[ $i -lt 300 ]] || die "nginx (CRS PL$pl) did not answer 200 on 127.0.0.1:$port within 30 s"
    # A request CRS must block at any level: ModSecurity is really on.
    [[ $(curl -s -o /dev/null -m 5 -w '%{http_code}' -A 'Mozilla/5.0' -H 'Accept: text/html' \
        "http://127.0.0.1:$port/?q=%3Cscript%3Ealert(1)%3C/script%3E") == 403 ]] ||
        die "nginx (CRS PL$pl) did not block a <script> query string: ModSecurity is not active"
    record_time "CRS PL$pl start" "$t0"

    t0=$(now)
    : >"$dir/error.log" # only the requests' lines from here
    echo "CRS PL$pl: sending $(wc -l <"$WORK/requests.jsonl") requests to 127.0.0.1:$port (concurrency $CONCURRENCY)"
    nice -n "$NICE_LEVEL" python3 "$WAF_DIR/send.py" --requests "$WORK/requests.jsonl" \
        --raw "$WORK/raw.jsonl" --target "127.0.0.1:$port" --out "$WORK/crs-pl$pl.jsonl" \
        --concurrency "$CONCURRENCY" --timeout "$SEND_TIMEOUT" --modsec-log "$dir/error.log" \
        --label "CRS PL$pl" || die "send.py failed against CRS PL$pl"
    stop_nginx
    record_time "CRS PL$pl run" "$t0" "$(du -h "$dir/error.log" | cut -f1) of error log"
    REPORT_ARGS+=(--crs "$pl=$WORK/crs-pl$pl.jsonl")
}

# --- Rampart side --------------------------------------------------------------
RAMPART_OK=1

# Offline: `rampart waf test` evaluates the JSONL requests against the web ACL
# and prints one JSON object per request, in input order.
run_rampart_offline() {
    local t0 n_req n_out why=""
    if [[ -z $RAMPART_BIN ]]; then
        RAMPART_BIN="$REPO/target/release/rampart"
        if [[ -n ${CARGO_TARGET_DIR:-} && -x $CARGO_TARGET_DIR/release/rampart ]]; then
            RAMPART_BIN="$CARGO_TARGET_DIR/release/rampart"
        fi
    fi
    if [[ ! -x $RAMPART_BIN ]]; then
        why="no rampart binary at $RAMPART_BIN (cargo build --release -p rampart, or --rampart PATH)"
    elif ! "$RAMPART_BIN" waf test --help >/dev/null 2>&1; then
        why="$RAMPART_BIN has no 'waf test' command"
    elif [[ ! -f $WEB_ACL ]]; then
        why="no web ACL at $WEB_ACL"
    fi
    if [[ -z $why ]]; then
        echo "Rampart: $RAMPART_BIN waf test --web-acl $WEB_ACL"
        t0=$(now)
        if nice -n "$NICE_LEVEL" "$RAMPART_BIN" waf test --web-acl "$WEB_ACL" \
            --requests "$WORK/requests.jsonl" --output json >"$WORK/rampart.jsonl" 2>"$WORK/rampart.err"; then
            n_req=$(wc -l <"$WORK/requests.jsonl")
            n_out=$(wc -l <"$WORK/rampart.jsonl")
            if [[ $n_out -ne $n_req ]]; then
                why="'rampart waf test' printed $n_out result lines for $n_req requests"
            fi
        else
            why="'rampart waf test' failed (exit $?): $(tail -n 3 "$WORK/rampart.err" | tr '\n' ' ')"
        fi
        record_time "Rampart offline" "$t0"
    fi
    if [[ -n $why ]]; then
        RAMPART_OK=0
        echo "RAMPART NOT EVALUATED: $why" >&2
        REPORT_ARGS+=(--rampart-note "not evaluated: $why")
    else
        REPORT_ARGS+=(--rampart "$WORK/rampart.jsonl")
        VERSIONS+=("rampart: $RAMPART_BIN ($("$RAMPART_BIN" --version 2>/dev/null || echo '?')), web ACL $WEB_ACL")
    fi
}

# Online: the same raw requests to a running Rampart load balancer; 403 = blocked.
run_rampart_url() {
    local hostport t0
    hostport=${RAMPART_URL#http://}
    hostport=${hostport%/}
    echo "Rampart (load balancer at $RAMPART_URL): sending $(wc -l <"$WORK/requests.jsonl") requests"
    t0=$(now)
    if nice -n "$NICE_LEVEL" python3 "$WAF_DIR/send.py" --requests "$WORK/requests.jsonl" \
        --raw "$WORK/raw.jsonl" --target "$hostport" --out "$WORK/rampart-url.jsonl" \
        --concurrency "$CONCURRENCY" --timeout "$SEND_TIMEOUT" --label "Rampart (LB)"; then
        REPORT_ARGS+=(--rampart-url-results "$WORK/rampart-url.jsonl")
        VERSIONS+=("rampart: load balancer at $RAMPART_URL (blocked = 403)")
    else
        RAMPART_OK=0
        echo "RAMPART NOT EVALUATED: send.py failed against $RAMPART_URL" >&2
        REPORT_ARGS+=(--rampart-note "not evaluated: sending to $RAMPART_URL failed")
    fi
    record_time "Rampart (LB) run" "$t0"
}

# --- Main ----------------------------------------------------------------------
main() {
    local t_all t0 pl
    install_packages
    t_all=$(now)
    WORK=$(mktemp -d /tmp/rampart-waf.XXXXXX)
    chmod 755 "$WORK"
    TIMINGS="$WORK/timings.tsv"
    : >"$TIMINGS"
    REPORT_ARGS=()
    VERSIONS=("machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r); load average at start $(cut -d' ' -f1-3 /proc/loadavg)")
    VERSIONS+=("$(nginx -v 2>&1 | sed 's|.*nginx/|nginx |'), $(modsec_versions); modsecurity.conf-recommended with SecRuleEngine On, CRS anomaly threshold 5 (default)")

    t0=$(now)
    local -a corpus_args=(--out "$WORK/requests.jsonl" --raw-out "$WORK/raw.jsonl" --stats "$WORK/corpus-stats.json")
    if [[ $QUICK -eq 1 ]]; then corpus_args+=(--quick); fi
    python3 "$WAF_DIR/corpus.py" "${corpus_args[@]}" || die "corpus.py failed"
    record_time corpus "$t0" "$(wc -l <"$WORK/requests.jsonl") requests"

    for pl in "${LEVEL_LIST[@]}"; do
        run_crs "$pl"
    done
    if [[ -n $RAMPART_URL ]]; then
        run_rampart_url
    elif [[ $NO_RAMPART -eq 0 ]]; then
        run_rampart_offline
    fi
    record_time total "$t_all"

    mkdir -p "$RESULTS_DIR" "$(dirname "$OUT")"
    cp "$WORK/requests.jsonl" "$REQUESTS_COPY"
    local -a rep=(--requests "$WORK/requests.jsonl" --outcomes "$OUTCOMES" --md "$OUT"
        --timings "$TIMINGS" --command "bench/waf-detect.sh${ARGS_TEXT:+ $ARGS_TEXT}"
        --date "$(date -u +'%Y-%m-%d %H:%M UTC')")
    local v
    for v in "${VERSIONS[@]}"; do rep+=(--versions "$v"); done
    if [[ $QUICK -eq 1 ]]; then rep+=(--quick); fi
    echo
    python3 "$WAF_DIR/report.py" "${rep[@]}" "${REPORT_ARGS[@]}" || die "report.py failed"
    echo
    echo "times: $(awk -F'\t' '{ printf "%s%s %ss", sep, $1, $2; sep = "; " }' "$TIMINGS")"
    echo "markdown report: $OUT"
    echo "per-request outcomes: $OUTCOMES (Rampart's misses: bench/waf-detect.sh --misses CLASS)"
    if [[ $RAMPART_OK -eq 0 ]]; then
        echo "waf-detect.sh: Rampart was not evaluated (see above); the ModSecurity columns are complete" >&2
        exit 2
    fi
}

main
