# shellcheck shell=bash
# bench/waf/modsec.sh — sourced by bench/waf-detect.sh and bench/l7.sh.
#
# Debian's ModSecurity for nginx with Debian's OWASP CRS, configured in a
# directory of our own: nothing under /etc is changed and the system's nginx
# setup is not used (the configs load the module by path).
#
#   modsec_missing_packages        prints the Debian packages still to install
#   modsec_render DIR PL AUDIT     writes DIR/{modsecurity.conf,crs-setup.conf,main.conf}
#   modsec_versions                "libmodsecurity3 X, CRS Y, ..." for reports

MODSEC_MODULE=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so
# libnginx-mod-http-modsecurity's copy of ModSecurity's modsecurity.conf-recommended
# (the /etc/nginx one is the admin's to edit; this one is the shipped file).
MODSEC_RECOMMENDED=/usr/share/nginx/docs/modsecurity/modsecurity.conf
MODSEC_UNICODE=/usr/share/nginx/docs/modsecurity/unicode.mapping
CRS_SETUP=/etc/modsecurity/crs/crs-setup.conf
CRS_RULES=/usr/share/modsecurity-crs/rules

modsec_missing_packages() {
    command -v nginx >/dev/null || echo nginx
    [[ -f $MODSEC_MODULE && -f $MODSEC_RECOMMENDED ]] || echo libnginx-mod-http-modsecurity
    [[ -d $CRS_RULES && -f $CRS_SETUP ]] || echo modsecurity-crs
    dpkg -s libmodsecurity3 >/dev/null 2>&1 || echo libmodsecurity3
}

# modsec_render DIR PL AUDIT
#   PL     paranoia level: tx.paranoia_level and tx.executing_paranoia_level
#          (CRS 3.3's name for what CRS 4 calls the blocking paranoia level)
#   AUDIT  SecAuditEngine value: RelevantOnly as recommended, or Off
# Everything else is the recommended file and CRS's defaults: SecRuleEngine On,
# request body access on, anomaly scoring with the inbound threshold at 5.
modsec_render() {
    local dir=$1 pl=$2 audit=$3
    mkdir -p "$dir/tmp"
    chmod 1777 "$dir/tmp" # nginx workers run unprivileged
    cp "$MODSEC_UNICODE" "$dir/unicode.mapping"
    # SecStatusEngine Off: no status lookups leave the machine.
    sed -e 's/^SecRuleEngine .*/SecRuleEngine On/' \
        -e "s|^SecAuditEngine .*|SecAuditEngine $audit|" \
        -e "s|^SecAuditLog .*|SecAuditLog $dir/audit.log|" \
        -e "s|^SecTmpDir .*|SecTmpDir $dir/tmp/|" \
        -e "s|^SecDataDir .*|SecDataDir $dir/tmp/|" \
        -e 's|^SecStatusEngine .*|SecStatusEngine Off|' \
        "$MODSEC_RECOMMENDED" >"$dir/modsecurity.conf"
    grep -q '^SecRuleEngine On' "$dir/modsecurity.conf" || return 1
    {
        cat "$CRS_SETUP"
        echo
        echo "# bench: paranoia level $pl, CRS 3.3 names (see crs-setup.conf rules 900000/900001)"
        echo "SecAction \"id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=$pl\""
        echo "SecAction \"id:900001,phase:1,nolog,pass,t:none,setvar:tx.executing_paranoia_level=$pl\""
    } >"$dir/crs-setup.conf"
    {
        echo "Include $dir/modsecurity.conf"
        echo "Include $dir/crs-setup.conf"
        echo "Include $CRS_RULES/*.conf"
    } >"$dir/main.conf"
}

modsec_versions() {
    local p out="" sep=""
    for p in libmodsecurity3 libnginx-mod-http-modsecurity modsecurity-crs; do
        out+="$sep$p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
        sep=", "
    done
    echo "$out"
}
