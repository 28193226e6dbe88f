#!/usr/bin/env bash
# bench/l7.sh — the L7 proxy acceptance benchmark.
#
# Runs Rampart, nginx and HAProxy as reverse proxies in front of one nginx
# origin, each proxy with one worker thread pinned to the proxy core, and
# measures four workloads with wrk and h2load. For every proxy and workload it
# reports req/s, p50, p99, the proxy core's busy share, and requests per busy
# proxy-core second (the CPU cost figure), as medians of interleaved runs.
# With --waf it measures the WAFs instead, on the small GET and the 2 KB POST:
# Rampart with its default web ACL (examples/waf/default-web-acl.json, every
# managed rule group) next to Rampart alone, and nginx + ModSecurity + OWASP
# CRS (paranoia level 1) next to plain nginx.
#
# Usage (as root):
#   ./bench/l7.sh [--runs 3] [--duration 10] [--warmup 2] [--rampart PATH]
#                 [--proxies direct,nginx,haproxy,rampart,rampart-waf,modsec]
#                 [--workloads small,post,static4k,h2] [--waf] [--out FILE] [--nice N] [--keep]
#
# See bench/README.md for how to read the figures.
set -euo pipefail

# --- One place for cores, ports and load shapes ------------------------------
readonly PROXY_CORE=0            # the proxy under test runs alone here
readonly LOAD_CORE=1             # origin + load generator share this core

readonly ORIGIN_PORT=18080
readonly ORIGIN_TLS_PORT=18446   # only for the `direct` h2 baseline
readonly NGINX_PORT=18081
readonly NGINX_TLS_PORT=18443
readonly HAPROXY_PORT=18082
readonly HAPROXY_TLS_PORT=18444
readonly RAMPART_PORT=18083
readonly RAMPART_TLS_PORT=18445
readonly MODSEC_PORT=18084       # nginx + ModSecurity + CRS PL1 (--waf)
readonly MODSEC_TLS_PORT=18447
readonly RAMPART_WAF_PORT=18085  # Rampart + the default web ACL (--waf)
readonly RAMPART_WAF_TLS_PORT=18448

readonly WRK_THREADS=1
readonly WRK_CONNECTIONS=64
readonly H2_CLIENTS=16
readonly H2_STREAMS=8            # concurrent streams per h2 connection
# h2load offers only this TLS 1.3 suite, so every server does the same crypto
# (left to themselves, OpenSSL servers and rustls pick different suites).
readonly H2_TLS13_CIPHER=TLS_AES_128_GCM_SHA256
readonly FOREIGN_LIMIT=0.05      # other work on the proxy core that taints a run

readonly ALL_PROXIES="direct,nginx,haproxy,rampart,rampart-waf,modsec"
readonly DEFAULT_PROXIES="direct,nginx,haproxy,rampart"
readonly ALL_WORKLOADS="small,post,static4k,h2"
# --waf: the WAF peers and the workloads they are compared on.
readonly WAF_PROXIES="nginx,modsec,rampart,rampart-waf"
readonly WAF_WORKLOADS="small,post"

# --- Options -----------------------------------------------------------------
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
readonly TEMPLATES="$REPO/bench/l7"
RUNS=3
DURATION=10
WARMUP=2
RAMPART_BIN=""
RAMPART_SOURCE=""
PROXIES=""
WORKLOADS=""
WAF=0
OUT=""
KEEP_WORK=0
NICE=0

usage() {
    sed -n '/^# Usage/,/^# See/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
    echo "l7.sh: $*" >&2
    exit 1
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) RUNS=${2:?}; shift 2 ;;
        --duration) DURATION=${2:?}; shift 2 ;;
        --warmup) WARMUP=${2:?}; shift 2 ;;
        --rampart) RAMPART_BIN=${2:?}; shift 2 ;;
        --proxies) PROXIES=${2:?}; shift 2 ;;
        --workloads) WORKLOADS=${2:?}; shift 2 ;;
        --waf) WAF=1; shift ;;
        --out) OUT=${2:?}; shift 2 ;;
        --nice) NICE=${2:?}; shift 2 ;;
        --keep) KEEP_WORK=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive integer (seconds)"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup must be an integer (seconds)"
[[ $NICE =~ ^-?[0-9]+$ ]] || die "--nice must be an integer (-20..19)"
if [[ $WAF -eq 1 ]]; then
    PROXIES=${PROXIES:-$WAF_PROXIES}
    WORKLOADS=${WORKLOADS:-$WAF_WORKLOADS}
    OUT=${OUT:-$REPO/bench/results/l7-waf-latest.md}
fi
PROXIES=${PROXIES:-$DEFAULT_PROXIES}
WORKLOADS=${WORKLOADS:-$ALL_WORKLOADS}
OUT=${OUT:-$REPO/bench/results/l7-latest.md}

# Every benchmarked process (origin, proxies, load generator) runs through
# these: pinned to its core, and at --nice priority against other work.
readonly ON_PROXY_CORE=(nice -n "$NICE" taskset -c "$PROXY_CORE")
readonly ON_LOAD_CORE=(nice -n "$NICE" taskset -c "$LOAD_CORE")
IFS=, read -ra PROXY_LIST <<<"$PROXIES"
IFS=, read -ra WORKLOAD_LIST <<<"$WORKLOADS"
for p in "${PROXY_LIST[@]}"; do
    [[ ,$ALL_PROXIES, == *,"$p",* ]] || die "unknown proxy '$p' (known: $ALL_PROXIES)"
done
for w in "${WORKLOAD_LIST[@]}"; do
    [[ ,$ALL_WORKLOADS, == *,"$w",* ]] || die "unknown workload '$w' (known: $ALL_WORKLOADS)"
done

has_proxy() { [[ ,$PROXIES, == *,"$1",* ]]; }
has_rampart() { has_proxy rampart || has_proxy rampart-waf; }

# Headers every client request carries. With --waf, a browser's: the default
# web ACL (like AWS's managed groups) blocks a request without User-Agent and
# one whose Host is an address, and CRS scores both, which is what wrk and curl
# send by default.
CLIENT_HEADERS=()
if [[ $WAF -eq 1 ]]; then
    CLIENT_HEADERS=(-H 'Host: shop.example.com'
        -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
        -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' -H 'Accept-Language: en-GB,en;q=0.5')
fi

# nginx + ModSecurity + CRS: packages, rule rendering and versions.
# shellcheck source=bench/waf/modsec.sh
source "$REPO/bench/waf/modsec.sh"
# shellcheck source=bench/apt.sh
source "$REPO/bench/apt.sh"

# --- Setup: packages ---------------------------------------------------------
# Installs only what is missing, from Debian's packages, without letting the
# packages start their own services.
install_packages() {
    local -a missing=()
    command -v nginx >/dev/null || missing+=(nginx)
    command -v haproxy >/dev/null || missing+=(haproxy)
    command -v wrk >/dev/null || missing+=(wrk)
    command -v h2load >/dev/null || missing+=(nghttp2-client)
    command -v taskset >/dev/null || missing+=(util-linux)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v curl >/dev/null || missing+=(curl)
    if has_proxy modsec; then
        mapfile -t -O "${#missing[@]}" missing < <(modsec_missing_packages | grep -vx nginx)
    fi
    [[ ${#missing[@]} -eq 0 ]] && return 0
    apt_install "${TMPDIR:-/tmp}/l7-apt.log" "${missing[@]}"
    # Under systemd the units are enabled anyway: stop and disable them.
    if [[ -d /run/systemd/system ]]; then
        systemctl disable --now nginx haproxy >/dev/null 2>&1 || true
    fi
}

# --- Setup: process bookkeeping ----------------------------------------------
declare -A PID=()    # name -> pid of every server this script started
LOAD_PID=""          # the running load generator (timeout wrapping wrk/h2load)
WORK=""

stop_pid() {
    local pid=$1 children i
    kill -0 "$pid" 2>/dev/null || return 0
    children=$(pgrep -P "$pid" || true)
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    for c in $children; do kill -KILL "$c" 2>/dev/null || true; done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local name
    if [[ -n $LOAD_PID ]]; then stop_pid "$LOAD_PID"; fi
    for name in "${!PID[@]}"; do stop_pid "${PID[$name]}"; done
    wait 2>/dev/null || true
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

# Fills the @NAME@ placeholders of a template in bench/l7/ into the work dir.
render() {
    local src=$1 dst=$2
    sed -e "s|@WORK@|$WORK|g" \
        -e "s|@PROXY_CORE@|$PROXY_CORE|g" \
        -e "s|@ORIGIN_PORT@|$ORIGIN_PORT|g" \
        -e "s|@ORIGIN_TLS_PORT@|$ORIGIN_TLS_PORT|g" \
        -e "s|@NGINX_PORT@|$NGINX_PORT|g" \
        -e "s|@NGINX_TLS_PORT@|$NGINX_TLS_PORT|g" \
        -e "s|@HAPROXY_PORT@|$HAPROXY_PORT|g" \
        -e "s|@HAPROXY_TLS_PORT@|$HAPROXY_TLS_PORT|g" \
        -e "s|@RAMPART_PORT@|$RAMPART_PORT|g" \
        -e "s|@RAMPART_TLS_PORT@|$RAMPART_TLS_PORT|g" \
        -e "s|@MODSEC_PORT@|$MODSEC_PORT|g" \
        -e "s|@MODSEC_TLS_PORT@|$MODSEC_TLS_PORT|g" \
        -e "s|@MODSEC_MODULE@|$MODSEC_MODULE|g" \
        -e "s|@RAMPART_WAF_PORT@|$RAMPART_WAF_PORT|g" \
        -e "s|@RAMPART_WAF_TLS_PORT@|$RAMPART_WAF_TLS_PORT|g" \
        -e "s|@REPO@|$REPO|g" \
        "$TEMPLATES/$src" >"$WORK/$dst"
}

prepare_work_dir() {
    WORK=$(mktemp -d /tmp/rampart-l7.XXXXXX)
    chmod 755 "$WORK" # nginx workers run unprivileged and read www/ and the cert
    mkdir -p "$WORK/www"
    head -c 4096 /dev/urandom >"$WORK/www/static4k"
    chmod -R a+rX "$WORK/www"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1 ||
        die "openssl could not make the test certificate"
    chmod 644 "$WORK/key.pem" "$WORK/cert.pem"
    cat "$WORK/cert.pem" "$WORK/key.pem" >"$WORK/haproxy.pem" # HAProxy wants one PEM
    # The exact 2048-byte form body of bench/l7/post.lua, for the preflight.
    wrk_body_from_lua >"$WORK/form.body"
    render origin.conf origin.conf
    render nginx.conf nginx.conf
    render haproxy.cfg haproxy.cfg
    render rampart.yaml rampart.yaml
    render rampart-waf.yaml rampart-waf.yaml
    if has_proxy modsec; then
        render modsec.conf modsec.conf
        # The audit log as recommended (RelevantOnly): no benchmark request is
        # blocked, so it stays empty unless something goes wrong.
        modsec_render "$WORK/modsec-pl1" 1 RelevantOnly ||
            die "could not configure ModSecurity from $MODSEC_RECOMMENDED"
    fi
}

# Same body as post.lua builds, without needing a Lua interpreter.
wrk_body_from_lua() {
    local i sep="" letters=abcdefghijklmnopqrstuvwxyz len value
    for ((i = 0; i < 32; i++)); do
        len=59
        if [[ $i -eq 31 ]]; then len=60; fi
        printf -v value '%*s' "$len" ''
        printf '%sf%02d=%s' "$sep" "$i" "${value// /${letters:i%26:1}}"
        sep="&"
    done
}

# --- The servers -------------------------------------------------------------
start_origin() {
    "${ON_LOAD_CORE[@]}" nginx -p "$WORK" -e "$WORK/origin.error.log" \
        -c "$WORK/origin.conf" -g 'daemon off;' >"$WORK/origin.out" 2>&1 &
    PID[origin]=$!
}

start_nginx() {
    "${ON_PROXY_CORE[@]}" nginx -p "$WORK" -e "$WORK/nginx.error.log" \
        -c "$WORK/nginx.conf" -g 'daemon off;' >"$WORK/nginx.out" 2>&1 &
    PID[nginx]=$!
}

start_modsec() {
    "${ON_PROXY_CORE[@]}" nginx -p "$WORK" -e "$WORK/modsec.error.log" \
        -c "$WORK/modsec.conf" -g 'daemon off;' >"$WORK/modsec.out" 2>&1 &
    PID[modsec]=$!
}

start_haproxy() {
    "${ON_PROXY_CORE[@]}" haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.out" 2>&1 &
    PID[haproxy]=$!
}

# Rampart honours RAMPART_WORKER_THREADS; --threads is added when the binary
# offers it, and --control keeps its control socket in the work dir.
# RAMPART_LOG=warn matches the proxies' warn-level error logs.
# `name` is rampart or rampart-waf, each with its own configuration.
start_rampart() {
    local name=${1:-rampart} help
    local -a extra=()
    help=$("$RAMPART_BIN" serve --help 2>&1 || true)
    if grep -q -- '--threads' <<<"$help"; then extra+=(--threads 1); fi
    if grep -q -- '--control' <<<"$help"; then extra+=(--control "$WORK/$name.sock"); fi
    RAMPART_WORKER_THREADS=1 RAMPART_LOG=warn "${ON_PROXY_CORE[@]}" "$RAMPART_BIN" serve \
        -c "$WORK/$name.yaml" "${extra[@]}" >"$WORK/$name.out" 2>&1 &
    PID[$name]=$!
}

http_port() {
    case $1 in
        direct) echo "$ORIGIN_PORT" ;;
        nginx) echo "$NGINX_PORT" ;;
        haproxy) echo "$HAPROXY_PORT" ;;
        rampart) echo "$RAMPART_PORT" ;;
        rampart-waf) echo "$RAMPART_WAF_PORT" ;;
        modsec) echo "$MODSEC_PORT" ;;
    esac
}

tls_port() {
    case $1 in
        direct) echo "$ORIGIN_TLS_PORT" ;;
        nginx) echo "$NGINX_TLS_PORT" ;;
        haproxy) echo "$HAPROXY_TLS_PORT" ;;
        rampart) echo "$RAMPART_TLS_PORT" ;;
        rampart-waf) echo "$RAMPART_WAF_TLS_PORT" ;;
        modsec) echo "$MODSEC_TLS_PORT" ;;
    esac
}

# The process whose CPU time is the proxy's (`direct` has none).
proxy_pid() {
    case $1 in
        direct) echo "" ;;
        *) echo "${PID[$1]}" ;;
    esac
}

# Waits until GET /small answers 200 through `name`, up to `secs` seconds.
wait_ready() {
    local name=$1 port=$2 secs=$3 proc=$1 i
    if [[ $name == direct ]]; then proc=origin; fi
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "${PID[$proc]}" 2>/dev/null || startup_failed "$proc" "$proc exited during startup"
        if [[ $(curl "${CLIENT_HEADERS[@]}" -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/small") == 200 ]]; then
            return 0
        fi
        sleep 0.1
    done
    startup_failed "$proc" "$name did not answer 200 on 127.0.0.1:$port/small within ${secs}s"
}

startup_failed() {
    local f
    for f in "$WORK/$1.out" "$WORK/$1.error.log"; do
        if [[ -s $f ]]; then echo "--- $f" >&2; tail -n 20 "$f" >&2; fi
    done
    die "$2"
}

# Checks that `name` does the work the benchmark assumes: the responses are
# right, the whole POST body reaches the origin, X-Forwarded-For is added, and
# the TLS listener speaks h2. Wrong bodies or no h2 stop the run; a difference
# in forwarding details is reported as a warning in the results.
WARNINGS=()
declare -A TLS_INFO=()   # proxy -> "protocol/cipher" h2load negotiated
declare -A PROC_INFO=()  # proxy -> its processes, threads and allowed CPUs

# Processes and threads of a server and the CPUs they may run on, e.g.
# "2 process(es), 2 thread(s), CPUs 0".
describe_proc() {
    local pid=$1 p t nproc=0 nthreads=0 cpus=""
    for p in "$pid" $(pgrep -P "$pid" || true); do
        nproc=$((nproc + 1))
        for t in /proc/"$p"/task/*; do
            nthreads=$((nthreads + 1))
            cpus+=" $(awk '/^Cpus_allowed_list:/ { print $2 }' "$t/status" 2>/dev/null)"
        done
    done
    cpus=$(tr ' ' '\n' <<<"$cpus" | sed '/^$/d' | sort -u | paste -sd' ')
    echo "$nproc process(es), $nthreads thread(s), CPUs $cpus"
}

preflight() {
    local name=$1 port tport got log_line
    port=$(http_port "$name")
    tport=$(tls_port "$name")
    got=$(curl "${CLIENT_HEADERS[@]}" -sf -m 5 "http://127.0.0.1:$port/small") || die "$name: GET /small failed"
    [[ $got == ok ]] || die "$name: GET /small returned '$got'"
    got=$(curl "${CLIENT_HEADERS[@]}" -sf -m 5 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port/static4k") ||
        die "$name: GET /static4k failed"
    [[ $got == 4096 ]] || die "$name: GET /static4k returned $got bytes, not 4096"
    got=$(curl "${CLIENT_HEADERS[@]}" -sf -m 5 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary "@$WORK/form.body" "http://127.0.0.1:$port/form") || die "$name: POST /form failed"
    [[ $got == 200 ]] || die "$name: POST /form answered $got"
    got=$(curl "${CLIENT_HEADERS[@]}" -sf -m 5 -o /dev/null -w '%{http_version}' --http2 -k "https://127.0.0.1:$tport/small") ||
        die "$name: GET https://127.0.0.1:$tport/small failed"
    [[ $got == 2 ]] || die "$name: the TLS listener negotiated HTTP/$got, not h2"
    [[ $name == direct ]] && return 0

    PROC_INFO[$name]=$(describe_proc "${PID[$name]}")
    if [[ ${PROC_INFO[$name]} != *"CPUs $PROXY_CORE" ]]; then
        WARNINGS+=("$name is not confined to the proxy core: ${PROC_INFO[$name]}")
    fi
    curl "${CLIENT_HEADERS[@]}" -sf -m 5 -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary "@$WORK/form.body" "http://127.0.0.1:$port/form-check" ||
        die "$name: POST /form-check failed"
    log_line=$(tail -n 1 "$WORK/body-check.log" 2>/dev/null || true)
    # "$content_length|$http_x_forwarded_for|$request_body"
    if [[ $log_line != "2048|"*"|$(<"$WORK/form.body")" ]]; then
        WARNINGS+=("$name: the origin did not receive the 2 KB POST as sent (Content-Length 2048 and the same body); its log line: '${log_line:0:80}...'")
    fi
    got=$(curl "${CLIENT_HEADERS[@]}" -sf -m 5 "http://127.0.0.1:$port/xff") || die "$name: GET /xff failed"
    if [[ $got != 127.0.0.1 ]]; then
        WARNINGS+=("$name: X-Forwarded-For at the origin was '$got', expected 127.0.0.1")
    fi
}

# --- Measurement -------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
readonly CLK_TCK

# utime+stime, in ticks, of a process and its children (nginx master + worker);
# /proc/PID/stat already sums all threads of a process.
proc_ticks() {
    local total=0 p stat
    local -a fields
    for p in "$1" $(pgrep -P "$1" || true); do
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        stat=${stat##*) } # fields from 3 (state) on; comm may hold spaces
        read -ra fields <<<"$stat"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}

# Busy and total ticks of one core, from /proc/stat.
core_ticks() {
    awk -v cpu="cpu$1" '$1 == cpu {
        total = 0; for (i = 2; i <= NF; i++) total += $i
        print total - $5 - $6, total }' /proc/stat
}

url_for() {
    local name=$1 workload=$2
    case $workload in
        small) echo "http://127.0.0.1:$(http_port "$name")/small" ;;
        post) echo "http://127.0.0.1:$(http_port "$name")/form" ;;
        static4k) echo "http://127.0.0.1:$(http_port "$name")/static4k" ;;
        h2) echo "https://127.0.0.1:$(tls_port "$name")/small" ;;
    esac
}

# Runs the load generator on the load core for `secs` seconds; output to $3.
load() {
    local workload=$1 url=$2 secs=$3 out=$4 log=${5:-}
    local -a cmd
    if [[ $workload == h2 ]]; then
        cmd=(h2load -t1 -c "$H2_CLIENTS" -m "$H2_STREAMS" -D "$secs" --tls13-ciphers="$H2_TLS13_CIPHER"
            "${CLIENT_HEADERS[@]}")
        if [[ -n $log ]]; then cmd+=(--log-file="$log"); fi
    else
        cmd=(wrk -t "$WRK_THREADS" -c "$WRK_CONNECTIONS" -d "${secs}s" --latency "${CLIENT_HEADERS[@]}")
        if [[ $workload == post ]]; then cmd+=(-s "$TEMPLATES/post.lua"); fi
    fi
    # In the background so that a signal interrupts `wait` and runs the trap at
    # once (wrk catches SIGINT itself, which would leave the trap pending).
    timeout $((secs + 30)) "${ON_LOAD_CORE[@]}" "${cmd[@]}" "$url" >"$out" 2>&1 &
    LOAD_PID=$!
    local rc=0
    wait "$LOAD_PID" || rc=$?
    LOAD_PID=""
    [[ $rc -eq 0 ]] || die "load generator failed for $url; output:"$'\n'"$(tail -n 20 "$out")"
}

# wrk latency ("812.00us", "1.23ms", "1.01s", "2.00m") to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        printf "%.3f", n }'
}

# Prints "requests rps p50_ms p99_ms errors" from a wrk report.
parse_wrk() {
    local file=$1 requests rps p50 p99 errors
    requests=$(awk '/ requests in / { print $1; exit }' "$file")
    rps=$(awk '/^Requests\/sec:/ { print $2; exit }' "$file")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2; exit }' "$file")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2; exit }' "$file")")
    errors=$(awk '
        /Non-2xx or 3xx responses:/ { e += $NF }
        /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
        END { print e + 0 }' "$file")
    [[ -n $requests && -n $rps ]] || die "could not parse wrk output $file"
    echo "$requests $rps $p50 $p99 $errors"
}

# Prints "requests rps p50_ms p99_ms errors" from h2load's report and its
# per-request log (h2load itself reports no percentiles).
parse_h2load() {
    local file=$1 log=$2 requests rps pct errors
    grep -q 'Application protocol: h2' "$file" || die "h2load did not negotiate h2; see $file"
    requests=$(awk '/^requests:/ { print $8; exit }' "$file")
    rps=$(awk '/^finished in/ { print $4; exit }' "$file")
    errors=$(awk '/^requests:/ { print $10 + $12 + $14; exit }
        ' "$file")
    pct=$(awk -F'\t' '$2 >= 200 && $2 < 400 { print $3 }' "$log" | sort -n |
        awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "nan nan"; exit }
            i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
            i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
            printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000 }')
    [[ -n $requests && -n $rps ]] || die "could not parse h2load output $file"
    echo "$requests $rps $pct $errors"
}

# One measured run of one workload through one proxy; appends a row to RESULTS:
# run proxy workload rps p50 p99 busy_share req_per_busy_s core0 core1 requests
# errors wall_s busy_s core0_other (core 0's busy share not due to the proxy)
measure() {
    local run=$1 name=$2 workload=$3
    local url out log pid t0 t1 p0=0 p1=0 c0b c0t c1b c1t c0b2 c0t2 c1b2 c1t2
    local requests rps p50 p99 errors wall busy share rpb core0 core1 other0
    url=$(url_for "$name" "$workload")
    out="$WORK/out.$run.$name.$workload"
    log="$WORK/h2log.$run.$name"
    pid=$(proxy_pid "$name")

    if [[ $WARMUP -gt 0 ]]; then load "$workload" "$url" "$WARMUP" "$out.warmup"; fi

    rm -f "$log"
    read -r c0b c0t < <(core_ticks "$PROXY_CORE")
    read -r c1b c1t < <(core_ticks "$LOAD_CORE")
    if [[ -n $pid ]]; then p0=$(proc_ticks "$pid"); fi
    t0=$(date +%s%N)
    load "$workload" "$url" "$DURATION" "$out" "$log"
    t1=$(date +%s%N)
    if [[ -n $pid ]]; then p1=$(proc_ticks "$pid"); fi
    read -r c0b2 c0t2 < <(core_ticks "$PROXY_CORE")
    read -r c1b2 c1t2 < <(core_ticks "$LOAD_CORE")

    if [[ $workload == h2 ]]; then
        read -r requests rps p50 p99 errors < <(parse_h2load "$out" "$log")
        rm -f "$log"
        TLS_INFO[$name]=$(awk '/^TLS Protocol:/ { p = $3 } /^Cipher:/ { c = $2 }
            END { print p "/" c }' "$out")
    else
        read -r requests rps p50 p99 errors < <(parse_wrk "$out")
    fi

    read -r wall busy share rpb core0 core1 other0 < <(awk \
        -v t0="$t0" -v t1="$t1" -v p0="$p0" -v p1="$p1" -v hz="$CLK_TCK" -v req="$requests" \
        -v has_pid="${pid:+1}" \
        -v c0b="$c0b" -v c0t="$c0t" -v c0b2="$c0b2" -v c0t2="$c0t2" \
        -v c1b="$c1b" -v c1t="$c1t" -v c1b2="$c1b2" -v c1t2="$c1t2" 'BEGIN {
            wall = (t1 - t0) / 1e9
            busy = (p1 - p0) / hz
            if (has_pid) { share = busy / wall; rpb = busy > 0 ? req / busy : "nan" }
            else { share = "nan"; rpb = "nan" }
            core0 = (c0t2 > c0t) ? (c0b2 - c0b) / (c0t2 - c0t) : "nan"
            core1 = (c1t2 > c1t) ? (c1b2 - c1b) / (c1t2 - c1t) : "nan"
            other0 = (core0 == "nan") ? "nan" : core0 - (has_pid ? share : 0)
            print wall, busy, share, rpb, core0, core1, other0 }')

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$run" "$name" "$workload" "$rps" "$p50" "$p99" "$share" "$rpb" \
        "$core0" "$core1" "$requests" "$errors" "$wall" "$busy" "$other0" >>"$RESULTS"
    printf '  run %d  %-11s %-9s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  busy %5s  %9s req/busy-s%s\n' \
        "$run" "$name" "$workload" "$rps" "$p50" "$p99" "$(fmt_share "$share")" "$(fmt_int "$rpb")" \
        "$( [[ $errors -gt 0 ]] && echo "  ERRORS: $errors")"
}

# Samples both cores for a second before the runs: a busy machine taints the
# figures (other work on the proxy core steals its time and caches).
idle_check() {
    local a0 a1 b0 b1 busy0 busy1
    a0=$(core_ticks "$PROXY_CORE") a1=$(core_ticks "$LOAD_CORE")
    sleep 1
    b0=$(core_ticks "$PROXY_CORE") b1=$(core_ticks "$LOAD_CORE")
    read -r busy0 busy1 < <(awk -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" 'BEGIN {
        split(a0, x); split(b0, y); s0 = (y[2] > x[2]) ? (y[1] - x[1]) / (y[2] - x[2]) : 0
        split(a1, x); split(b1, y); s1 = (y[2] > x[2]) ? (y[1] - x[1]) / (y[2] - x[2]) : 0
        print s0, s1 }')
    IDLE="core$PROXY_CORE $(fmt_share "$busy0"), core$LOAD_CORE $(fmt_share "$busy1") busy before the runs"
    if awk -v a="$busy0" -v b="$busy1" -v l="$FOREIGN_LIMIT" 'BEGIN { exit !(a > l || b > l) }'; then
        WARNINGS+=("the machine was not idle: $IDLE; the figures are disturbed")
    fi
}

# Warns about runs during which other work used the proxy core.
foreign_check() {
    local n total max
    read -r n total max < <(awk -F'\t' -v l="$FOREIGN_LIMIT" '
        $2 != "direct" && $15 != "nan" { t++; if ($15 > l) n++; if ($15 > m) m = $15 }
        END { print n + 0, t + 0, m + 0 }' "$RESULTS")
    if [[ $n -gt 0 ]]; then
        WARNINGS+=("in $n of $total runs, other work used more than $(fmt_share "$FOREIGN_LIMIT") of the proxy core (at most $(fmt_share "$max")): those figures are disturbed; rerun on an idle machine")
    fi
}

# Warns about errors the servers logged during the runs (a proxy that drops
# connections or hits a limit shows it here before it shows in the figures).
log_check() {
    local name f n first
    for name in "${!PID[@]}"; do
        for f in "$WORK/$name.out" "$WORK/$name.error.log"; do
            [[ -s $f ]] || continue
            n=$(grep -cE '\[(error|crit|alert|emerg|ALERT)\]|\bERROR\b|panicked' "$f" || true)
            if [[ $n -gt 0 ]]; then
                first=$(grep -E -m1 '\[(error|crit|alert|emerg|ALERT)\]|\bERROR\b|panicked' "$f")
                WARNINGS+=("$name logged $n error line(s) in $(basename "$f"), the first: ${first:0:200}")
            fi
        done
    done
}

# --- Report ------------------------------------------------------------------
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Median of column `col` of RESULTS for one proxy and workload.
med() {
    awk -F'\t' -v p="$1" -v w="$2" -v c="$3" '$2 == p && $3 == w { print $c }' "$RESULTS" | median
}

sum_col() {
    awk -F'\t' -v p="$1" -v w="$2" -v c="$3" '$2 == p && $3 == w { s += $c } END { print s + 0 }' "$RESULTS"
}

is_num() { [[ $1 =~ ^-?[0-9.]+(e[-+]?[0-9]+)?$ ]]; }
fmt_int() { if is_num "$1"; then printf '%.0f' "$1"; else echo "-"; fi; }
fmt_ms() { if is_num "$1"; then printf '%.2f' "$1"; else echo "-"; fi; }
fmt_share() { if is_num "$1"; then printf '%.0f%%' "$(awk -v s="$1" 'BEGIN { print s * 100 }')"; else echo "-"; fi; }
ratio() {
    if is_num "$1" && is_num "$2"; then
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'
    else
        echo "-"
    fi
}

workload_title() {
    case $1 in
        small) echo "small GET (/small, 3-byte body; wrk -t$WRK_THREADS -c$WRK_CONNECTIONS)" ;;
        post) echo "2 KB form POST (/form, 2048-byte urlencoded body; wrk -t$WRK_THREADS -c$WRK_CONNECTIONS)" ;;
        static4k) echo "4 KB static body (/static4k; wrk -t$WRK_THREADS -c$WRK_CONNECTIONS)" ;;
        h2) echo "HTTP/2 over TLS (/small; h2load -t1 -c$H2_CLIENTS -m$H2_STREAMS)" ;;
    esac
}

# Goal check for one workload, against whichever of nginx/HAProxy ran.
verdict() {
    local w=$1 best_rpb="" best_rps="" best_rpb_name="" best_rps_name="" p v
    local r_rps r_rpb r_p99 n_p99 line
    has_proxy rampart || return 0
    for p in nginx haproxy; do
        has_proxy "$p" || continue
        v=$(med "$p" "$w" 8)
        if is_num "$v" && { [[ -z $best_rpb ]] || awk -v a="$v" -v b="$best_rpb" 'BEGIN { exit !(a > b) }'; }; then
            best_rpb=$v best_rpb_name=$p
        fi
        v=$(med "$p" "$w" 4)
        if is_num "$v" && { [[ -z $best_rps ]] || awk -v a="$v" -v b="$best_rps" 'BEGIN { exit !(a > b) }'; }; then
            best_rps=$v best_rps_name=$p
        fi
    done
    [[ -n $best_rpb ]] || return 0
    r_rps=$(med rampart "$w" 4)
    r_rpb=$(med rampart "$w" 8)
    r_p99=$(med rampart "$w" 6)
    line=$(awk -v rpb="$r_rpb" -v brpb="$best_rpb" -v bn="$best_rpb_name" \
        -v rps="$r_rps" -v brps="$best_rps" -v sn="$best_rps_name" 'BEGIN {
        f = rpb / brpb; g = rps / brps
        printf "req/busy-s %.2fx %s (goal >= 1.10x): %s; req/s %.2fx %s (goal >= 1.00x): %s",
            f, bn, (f >= 1.10 ? "PASS" : "MISS"), g, sn, (g >= 1.0 ? "PASS" : "MISS") }')
    if has_proxy nginx; then
        n_p99=$(med nginx "$w" 6)
        line+=$(awk -v r="$r_p99" -v n="$n_p99" 'BEGIN {
            printf "; p99 %.2f ms vs nginx %.2f ms (goal <= nginx): %s", r, n, (r <= n ? "PASS" : "MISS") }')
    fi
    echo "$line"
}

# The WAF goals for one workload: Rampart with its default web ACL keeps
# >= 0.8x of Rampart's own req/s, and makes >= 40x the req/s of nginx +
# ModSecurity + CRS PL1. Each ratio is printed for CPU cost (req/busy-s) too.
waf_verdict() {
    local w=$1 line=""
    has_proxy rampart-waf || return 0
    if has_proxy rampart; then
        line=$(awk -v a="$(med rampart-waf "$w" 4)" -v b="$(med rampart "$w" 4)" \
            -v c="$(med rampart-waf "$w" 8)" -v d="$(med rampart "$w" 8)" 'BEGIN {
            f = a / b; printf "req/s %.2fx rampart (goal >= 0.80x): %s; req/busy-s %.2fx rampart",
                f, (f >= 0.8 ? "PASS" : "MISS"), c / d }')
    fi
    if has_proxy modsec; then
        [[ -z $line ]] || line+="; "
        line+=$(awk -v a="$(med rampart-waf "$w" 4)" -v b="$(med modsec "$w" 4)" \
            -v c="$(med rampart-waf "$w" 8)" -v d="$(med modsec "$w" 8)" 'BEGIN {
            f = a / b; printf "req/s %.1fx modsec (goal >= 40x): %s; req/busy-s %.1fx modsec",
                f, (f >= 40 ? "PASS" : "MISS"), c / d }')
    fi
    echo "$line"
}

# Writes the markdown report to $1.
report_markdown() {
    local w p rps p50 p99 share rpb core0 core1 errors n_rps n_rpb v
    {
        echo "# L7 proxy benchmark — $(date -u +'%Y-%m-%d %H:%M UTC')"
        echo
        echo "Medians of $RUNS interleaved run(s) of ${DURATION}s each (after ${WARMUP}s warm-up), made by \`bench/l7.sh\`."
        echo
        echo "- machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
        echo "- proxy core: $PROXY_CORE (the proxy alone, one worker thread); origin (nginx, 1 worker) and load generator share core $LOAD_CORE"
        echo "- $(versions)"
        if has_rampart; then echo "- rampart binary: $RAMPART_SOURCE"; fi
        echo -n "- every proxy: HTTP/1.1 keep-alive to clients, pooled keep-alive HTTP/1.1 to the origin, adds X-Forwarded-For, no access log; TLS 1.3 + h2 (ALPN) on the TLS listener, self-signed P-256 certificate."
        if has_rampart; then echo " Rampart runs with its default request classification and desync checks."; else echo; fi
        if has_proxy rampart-waf; then echo "- rampart-waf: the rampart row's configuration plus Rampart's default web ACL (examples/waf/default-web-acl.json: every managed rule group, request bodies inspected up to 8 KB)."; fi
        if has_proxy modsec; then echo "- modsec: the nginx row's configuration plus ModSecurity with Debian's OWASP CRS 3.3 at paranoia level 1 (modsecurity.conf-recommended with SecRuleEngine On: request and response body access on; CRS anomaly threshold 5)."; fi
        echo "- busy = the proxy's own CPU time (utime+stime of all its processes and threads, /proc/PID/stat) ÷ wall time; req/busy-s = completed requests ÷ that CPU time. core0/core1 = whole-core busy share from /proc/stat."
        echo "- h2 latencies come from h2load's per-request log."
        echo "- load average at start: $LOADAVG; $IDLE"
        if [[ $NICE -ne 0 ]]; then echo "- every benchmarked process (origin, proxies, load generator) ran at nice $NICE"; fi
        for p in "${PROXY_LIST[@]}"; do
            if [[ -n ${PROC_INFO[$p]:-} ]]; then echo "- $p: ${PROC_INFO[$p]}"; fi
        done
        if [[ ${#WARNINGS[@]} -gt 0 ]]; then
            echo
            for v in "${WARNINGS[@]}"; do echo "**Warning:** $v"; echo; done
        fi
        for w in "${WORKLOAD_LIST[@]}"; do
            echo
            echo "## $(workload_title "$w")"
            echo
            echo "| proxy | req/s | p50 ms | p99 ms | proxy core busy | req / busy proxy-core s | req/s ÷ nginx | req/busy-s ÷ nginx | core0 busy | core1 busy | errors |"
            echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            n_rps=$(has_proxy nginx && med nginx "$w" 4 || echo nan)
            n_rpb=$(has_proxy nginx && med nginx "$w" 8 || echo nan)
            for p in "${PROXY_LIST[@]}"; do
                rps=$(med "$p" "$w" 4) p50=$(med "$p" "$w" 5) p99=$(med "$p" "$w" 6)
                share=$(med "$p" "$w" 7) rpb=$(med "$p" "$w" 8)
                core0=$(med "$p" "$w" 9) core1=$(med "$p" "$w" 10) errors=$(sum_col "$p" "$w" 12)
                echo "| $p | $(fmt_int "$rps") | $(fmt_ms "$p50") | $(fmt_ms "$p99") | $(fmt_share "$share") | $(fmt_int "$rpb") | $(ratio "$rps" "$n_rps") | $(ratio "$rpb" "$n_rpb") | $(fmt_share "$core0") | $(fmt_share "$core1") | $errors |"
            done
            if [[ $w == h2 ]]; then
                echo
                echo -n "Negotiated:"
                for p in "${PROXY_LIST[@]}"; do echo -n " $p ${TLS_INFO[$p]:-?};"; done
                echo
            fi
            v=$(verdict "$w")
            if [[ -n $v ]]; then
                echo
                echo "Rampart vs goals: $v"
            fi
            v=$(waf_verdict "$w")
            if [[ -n $v ]]; then
                echo
                echo "Rampart + web ACL vs goals: $v"
            fi
        done
    } >"$1"
}

# Prints the tables for a terminal.
report_terminal() {
    local w p rps p50 p99 share rpb core0 core1 errors n_rps n_rpb v fmt
    fmt='%-11s %9s %8s %8s %6s %11s %7s %7s %6s %6s %6s\n'
    for w in "${WORKLOAD_LIST[@]}"; do
        echo
        echo "== $(workload_title "$w")"
        # shellcheck disable=SC2059
        printf "$fmt" proxy req/s p50ms p99ms busy req/busy-s rps/ngx rpb/ngx core0 core1 errors
        n_rps=$(has_proxy nginx && med nginx "$w" 4 || echo nan)
        n_rpb=$(has_proxy nginx && med nginx "$w" 8 || echo nan)
        for p in "${PROXY_LIST[@]}"; do
            rps=$(med "$p" "$w" 4) p50=$(med "$p" "$w" 5) p99=$(med "$p" "$w" 6)
            share=$(med "$p" "$w" 7) rpb=$(med "$p" "$w" 8)
            core0=$(med "$p" "$w" 9) core1=$(med "$p" "$w" 10) errors=$(sum_col "$p" "$w" 12)
            # shellcheck disable=SC2059
            printf "$fmt" "$p" "$(fmt_int "$rps")" "$(fmt_ms "$p50")" "$(fmt_ms "$p99")" \
                "$(fmt_share "$share")" "$(fmt_int "$rpb")" "$(ratio "$rps" "$n_rps")" \
                "$(ratio "$rpb" "$n_rpb")" "$(fmt_share "$core0")" "$(fmt_share "$core1")" "$errors"
        done
        if [[ $w == h2 ]]; then
            echo -n "negotiated:"
            for p in "${PROXY_LIST[@]}"; do echo -n " $p ${TLS_INFO[$p]:-?};"; done
            echo
        fi
        v=$(verdict "$w")
        if [[ -n $v ]]; then echo "Rampart vs goals: $v"; fi
        v=$(waf_verdict "$w")
        if [[ -n $v ]]; then echo "Rampart + web ACL vs goals: $v"; fi
    done
    for v in "${WARNINGS[@]}"; do echo "WARNING: $v"; done
}

versions() {
    local -a parts=()
    parts+=("$(nginx -v 2>&1 | sed 's|.*nginx/|nginx |')")
    parts+=("$(haproxy -v | awk 'NR == 1 { print "HAProxy", $3 }')")
    has_rampart && parts+=("$("$RAMPART_BIN" --version 2>/dev/null || echo rampart)")
    has_proxy modsec && parts+=("$(modsec_versions | sed 's/, /,/g')")
    parts+=("$(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }')")
    parts+=("$(h2load --version | awk 'NR == 1 { print "h2load", $NF }')")
    parts+=("$(openssl version | awk '{ print $1, $2 }')")
    local IFS=,
    echo "versions: ${parts[*]}" | sed 's/,/, /g'
}

# --- Main --------------------------------------------------------------------
main() {
    [[ $(nproc) -ge 2 ]] || die "needs 2 cores (proxy core $PROXY_CORE, load core $LOAD_CORE)"
    install_packages

    if has_rampart; then
        if [[ -z $RAMPART_BIN ]]; then
            echo "building rampart (cargo build --release -p rampart)"
            (cd "$REPO" && cargo build --release -p rampart) || die "cargo build failed"
            RAMPART_BIN="$REPO/target/release/rampart"
            RAMPART_SOURCE="built here from $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo "an unknown commit")"
        else
            RAMPART_SOURCE="$RAMPART_BIN, modified $(date -u -r "$RAMPART_BIN" +'%Y-%m-%d %H:%M UTC' 2>/dev/null || echo '?')"
        fi
        [[ -x $RAMPART_BIN ]] || die "no rampart binary at $RAMPART_BIN"
        "$RAMPART_BIN" serve --help >/dev/null 2>&1 || die "$RAMPART_BIN has no 'serve' command"
    fi

    local port
    for port in "$ORIGIN_PORT" "$ORIGIN_TLS_PORT" "$NGINX_PORT" "$NGINX_TLS_PORT" "$HAPROXY_PORT" \
        "$HAPROXY_TLS_PORT" "$RAMPART_PORT" "$RAMPART_TLS_PORT" "$MODSEC_PORT" "$MODSEC_TLS_PORT" \
        "$RAMPART_WAF_PORT" "$RAMPART_WAF_TLS_PORT"; do
        port_free "$port" || die "127.0.0.1:$port is already in use"
    done
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

    prepare_work_dir
    RESULTS="$WORK/results.tsv"
    : >"$RESULTS"

    start_origin
    wait_ready direct "$ORIGIN_PORT" 10
    local p
    for p in "${PROXY_LIST[@]}"; do
        case $p in
            direct) ;;
            nginx) start_nginx; wait_ready nginx "$NGINX_PORT" 10 ;;
            haproxy) start_haproxy; wait_ready haproxy "$HAPROXY_PORT" 10 ;;
            rampart) start_rampart rampart; wait_ready rampart "$RAMPART_PORT" 30 ;; # until its target is healthy
            rampart-waf) start_rampart rampart-waf; wait_ready rampart-waf "$RAMPART_WAF_PORT" 30 ;;
            modsec) start_modsec; wait_ready modsec "$MODSEC_PORT" 30 ;; # CRS takes seconds to load
        esac
        preflight "$p"
    done

    echo "L7 benchmark: proxies ${PROXIES}; workloads ${WORKLOADS}; $RUNS run(s) x ${DURATION}s (+${WARMUP}s warm-up)"
    echo -n "proxy core $PROXY_CORE; origin + load generator on core $LOAD_CORE; no access logs"
    if has_rampart; then echo "; Rampart with its default classification/desync checks"; else echo; fi
    LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
    idle_check
    echo "load average at start: $LOADAVG; $IDLE"
    if [[ $NICE -ne 0 ]]; then echo "nice $NICE for the origin, the proxies and the load generator"; fi
    for p in "${PROXY_LIST[@]}"; do
        if [[ -n ${PROC_INFO[$p]:-} ]]; then echo "$p: ${PROC_INFO[$p]}"; fi
    done

    local run w
    for ((run = 1; run <= RUNS; run++)); do
        for p in "${PROXY_LIST[@]}"; do
            for w in "${WORKLOAD_LIST[@]}"; do
                measure "$run" "$p" "$w"
            done
        done
    done

    foreign_check
    log_check
    report_terminal
    mkdir -p "$(dirname "$OUT")"
    report_markdown "$OUT"
    echo
    echo "markdown report: $OUT"
}

main
