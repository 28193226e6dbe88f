# shellcheck shell=bash
# bench/apt.sh — installs Debian packages for the bench scripts (sourced; the
# caller defines `die`).

# apt_install LOG PACKAGE... — installs the packages as root, running
# `apt-get update` first when apt knows no candidate (a fresh machine), and
# without letting their postinst scripts start services: policy-rc.d exit 101
# forbids that (nginx would otherwise try to take :80); only a policy-rc.d of
# ours is removed afterwards. apt's output goes to LOG.
apt_install() {
    local log=$1
    shift
    [[ $# -gt 0 ]] || return 0
    [[ $EUID -eq 0 ]] || die "needs root to install: $*"
    echo "installing: $*"
    local policy_out
    policy_out=$(apt-cache policy "$1" 2>/dev/null || true)
    if [[ $policy_out != *"Candidate: "[0-9]* ]]; then
        apt-get update -qq || die "apt-get update failed"
    fi
    local policy=/usr/sbin/policy-rc.d ours=0 rc=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        ours=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "$@" >"$log" 2>&1 || rc=$?
    if [[ $ours -eq 1 ]]; then rm -f "$policy"; fi
    [[ $rc -eq 0 ]] || die "apt-get install failed; see $log"
}
