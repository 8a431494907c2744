# shellcheck shell=bash
# Shared helpers for the City Life Suite scripts. Sourced, never run.
#
# Every ensure_* step is idempotent and cheap when there is nothing to do.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${CITY_VENV:-$REPO/.venv}
PY=$VENV/bin/python
DATA_DIR=${CITY_DATA_DIR:-$REPO/.data}
ODOO_CONF=$REPO/odoo.conf
# Where setup puts upstream Odoo 18.0 when no importable Odoo 18.0 exists.
ODOO_SRC=${ODOO_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/city-suite/odoo-18.0}
ODOO_GIT=${ODOO_GIT:-https://github.com/odoo/odoo.git}

log() { printf '\033[1;34m[city]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[city]\033[0m %s\n' "$*" >&2; }
die() {
    printf '\033[1;31m[city] error:\033[0m %s\n' "$*" >&2
    exit 1
}

# Run a command as root (directly, or through sudo when available).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root and sudo is not available; run it as root once."
    fi
}

# Run a command as the postgres system user.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    else
        as_root -u postgres "$@" 2>/dev/null || sudo -u postgres "$@"
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 ||
        die "cannot install $* automatically (no apt-get); install it with your system's package manager."
    log "installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null ||
        { as_root apt-get update -q >/dev/null &&
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; } ||
        die "apt-get could not install $*."
}

# --- PostgreSQL ------------------------------------------------------------

ensure_postgres() {
    if ! pg_isready -q 2>/dev/null; then
        if ! command -v pg_ctlcluster >/dev/null 2>&1; then
            apt_install postgresql
        fi
        if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
            local ver
            ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
            log "creating PostgreSQL cluster $ver/main"
            as_root pg_createcluster "$ver" main >/dev/null
        fi
        local ver name status
        while read -r ver name _ status _; do
            if [ "$status" != "online" ]; then
                log "starting PostgreSQL cluster $ver/$name"
                as_root pg_ctlcluster "$ver" "$name" start || true
            fi
        done < <(pg_lsclusters -h)
        for _ in $(seq 1 30); do
            pg_isready -q 2>/dev/null && break
            sleep 1
        done
        pg_isready -q 2>/dev/null || die "PostgreSQL does not answer on its default socket."
    fi
    if ! psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
        local me
        me=$(id -un)
        [ "$me" != postgres ] || die "do not run the suite as the 'postgres' user (Odoo refuses it)."
        log "creating PostgreSQL role '$me'"
        as_postgres createuser --superuser "$me" ||
            die "could not create the PostgreSQL role '$me'."
    fi
}

db_exists() {
    [ "$(psql -d postgres -Atqc "select 1 from pg_database where datname = '$1'")" = 1 ]
}

# --- Chromium (browser tests) ----------------------------------------------

ensure_chromium() {
    local bin
    for bin in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && return 0
    done
    apt_install chromium
}

# --- PDF reports -------------------------------------------------------------

# Odoo renders QWeb PDF reports (statements, tickets) with wkhtmltopdf; Chinese
# text needs a CJK font.
ensure_pdf_tools() {
    local missing=()
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    if command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; then
        :
    else
        missing+=(fonts-noto-cjk)
    fi
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# --- nginx (the reverse proxy in front of the demo server) ------------------

nginx_bin() {
    command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

# A multi-worker Odoo serves its websocket on a separate (gevent) port: the demo
# is served like production, through nginx (deploy/nginx/city-suite.conf).
ensure_nginx() {
    [ -n "$(nginx_bin)" ] || apt_install nginx
    [ -n "$(nginx_bin)" ] || die "nginx is still not installed."
}

# Render deploy/nginx/city-suite.conf and a main configuration of its own for a
# private nginx instance under $DATA_DIR/nginx/<name>/ (pid file, temp files;
# logs in $DATA_DIR/logs/). It runs in the foreground of its caller: no system
# service is used or changed, whether or not systemd runs the machine.
nginx_conf() { # name listen odoo-http odoo-gevent -> prints the main configuration file
    local name=$1 listen=$2 http=$3 gevent=$4 dir=$DATA_DIR/nginx/$1
    mkdir -p "$dir" "$DATA_DIR/logs"
    sed -e "s|@LISTEN@|$listen|" -e "s|@ODOO_HTTP@|$http|" -e "s|@ODOO_GEVENT@|$gevent|" \
        "$REPO/deploy/nginx/city-suite.conf" >"$dir/city-suite.conf"
    {
        echo "# Generated by scripts/lib.sh (nginx_conf) for '$name': do not edit."
        echo "daemon off;"
        echo "pid $dir/nginx.pid;"
        # As root, nginx's workers would run as 'nobody', which may not reach the data dir.
        if [ "$(id -u)" -eq 0 ]; then echo "user root;"; fi
        echo "worker_processes 1;"
        echo "error_log $DATA_DIR/logs/nginx-$name-error.log warn;"
        echo "events { worker_connections 512; }"
        echo "http {"
        echo "    default_type application/octet-stream;"
        echo "    access_log $DATA_DIR/logs/nginx-$name-access.log;"
        local temp
        for temp in client_body proxy fastcgi uwsgi scgi; do
            echo "    ${temp}_temp_path $dir/$temp;"
        done
        echo "    include $dir/city-suite.conf;"
        echo "}"
    } >"$dir/nginx.conf"
    echo "$dir/nginx.conf"
}

port_in_use() { # port
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Start nginx with a configuration of nginx_conf in the background (in this
# shell's process group, so Ctrl-C stops it too); sets NGINX_PID. The caller
# stops it with stop_nginx.
start_nginx() { # conf port
    local conf=$1 port=$2 dir nginx pid errors
    dir=$(dirname "$conf")
    errors=$DATA_DIR/logs/nginx-$(basename "$dir")-error.log
    nginx=$(nginx_bin)
    # A previous run killed without its cleanup may have left its nginx behind.
    pid=$(cat "$dir/nginx.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ]; then
        log "stopping the nginx left by a previous run (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    ! port_in_use "$port" || die "port $port is in use (another 'make run'?); choose another with CITY_PORT."
    "$nginx" -q -t -c "$conf" -e "$errors" || die "nginx refuses its configuration $conf (log: $errors)"
    "$nginx" -c "$conf" -e "$errors" &
    NGINX_PID=$!
    for _ in $(seq 1 100); do
        kill -0 "$NGINX_PID" 2>/dev/null ||
            die "nginx stopped at once: $(tail -n 3 "$errors" 2>/dev/null) (log: $errors)"
        port_in_use "$port" && return 0
        sleep 0.1
    done
    die "nginx does not listen on port $port."
}

stop_nginx() {
    if [ -n "${NGINX_PID:-}" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -TERM "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    NGINX_PID=
}

# --- Python, Odoo and the suite's requirements ------------------------------

base_python() {
    local py=${PYTHON:-python3}
    command -v "$py" >/dev/null 2>&1 || die "no '$py' found; install Python 3.11 to 3.12."
    # Odoo 18 runs on 3.10 to 3.12; the API tests' schemathesis 4 needs 3.11.
    "$py" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))' ||
        die "The suite needs Python 3.11 to 3.12 (Odoo 18: 3.10 to 3.12, schemathesis 4: 3.11 or later); '$py' is $("$py" -V 2>&1)."
    echo "$py"
}

ensure_venv() {
    if [ ! -x "$PY" ]; then
        local py
        py=$(base_python)
        log "creating the virtual environment $VENV (sees $py's packages, so an installed Odoo is reused)"
        "$py" -m venv --system-site-packages "$VENV"
    fi
}

odoo_version() {
    (cd / && "$PY" -c 'import odoo.release as r; print("%s.%s" % r.version_info[:2])' 2>/dev/null) || true
}

ensure_odoo() {
    local version
    version=$(odoo_version)
    if [ "$version" = "18.0" ]; then
        return 0
    fi
    [ -z "$version" ] || die "the importable Odoo is $version; the suite needs Odoo 18.0."
    log "no importable Odoo 18.0: installing upstream Odoo 18.0 into $ODOO_SRC"
    if [ ! -f "$ODOO_SRC/odoo/release.py" ]; then
        command -v git >/dev/null 2>&1 || apt_install git
        mkdir -p "$(dirname "$ODOO_SRC")"
        git clone --quiet --depth 1 --branch 18.0 "$ODOO_GIT" "$ODOO_SRC" ||
            die "could not clone Odoo 18.0 from $ODOO_GIT (set ODOO_SRC to an Odoo 18.0 checkout to use it)."
    fi
    # Some of Odoo's pinned requirements build from source with pkg_resources.
    local constraints
    constraints=$(mktemp)
    printf 'setuptools<70\n' >"$constraints"
    if [ -f /etc/xdg/pip/constraints.txt ]; then cat /etc/xdg/pip/constraints.txt >>"$constraints"; fi
    apt_install_if_missing pg_config libpq-dev
    grep -v -i '^python-ldap' "$ODOO_SRC/requirements.txt" >"$constraints.req"
    PIP_CONSTRAINT=$constraints "$PY" -m pip install -q -r "$constraints.req" ||
        die "could not install Odoo 18.0's Python requirements."
    rm -f "$constraints" "$constraints.req"
    local site
    site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ODOO_SRC" >"$site/odoo-18.0-src.pth"
    [ "$(odoo_version)" = "18.0" ] || die "Odoo 18.0 in $ODOO_SRC is still not importable."
}

apt_install_if_missing() {
    command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

ensure_requirements() {
    local stamp=$VENV/.city-requirements.sha256 sum
    sum=$(sha256sum "$REPO/requirements.txt" | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
        log "installing the suite's Python requirements (requirements.txt)"
        "$PY" -m pip install -q --disable-pip-version-check -r "$REPO/requirements.txt" 2> >(grep -v -E "^WARNING: Location .* is ignored" >&2) ||
            die "could not install requirements.txt."
        echo "$sum" >"$stamp"
    fi
}

# --- Odoo invocation ---------------------------------------------------------

# Odoo's own addons directory of a source tree (odoo/addons is always on the path).
odoo_addons_path() {
    local extra
    extra=$(cd / && "$PY" -c '
import os, odoo
root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
print(os.path.join(root, "addons") if os.path.isdir(os.path.join(root, "addons", "web")) else "")')
    if [ -n "$extra" ]; then echo "$REPO/addons,$extra"; else echo "$REPO/addons"; fi
}

# Comma-separated list of the suite's modules (every addons/city_* with a manifest).
city_modules() {
    local dirs=()
    for m in "$REPO"/addons/city_*/__manifest__.py; do
        [ -f "$m" ] && dirs+=("$(basename "$(dirname "$m")")")
    done
    (IFS=,; echo "${dirs[*]}")
}

# Odoo modules outside the suite that the suite depends on, sorted, comma-separated.
external_dependencies() {
    "$PY" - "$REPO/addons" <<'PYEOF'
import ast, pathlib, sys
addons = pathlib.Path(sys.argv[1])
ours = {p.parent.name for p in addons.glob("city_*/__manifest__.py")}
deps = set()
for name in ours:
    manifest = ast.literal_eval((addons / name / "__manifest__.py").read_text())
    deps.update(d for d in manifest.get("depends", []) if d not in ours)
print(",".join(sorted(deps)))
PYEOF
}

# Odoo's launcher script (odoo-bin of a source tree, or the installed 'odoo'). A
# prefork server re-runs sys.argv[0] to start its gevent (websocket) process, which
# fails when Odoo is started as 'python -m odoo'.
odoo_launcher() {
    (cd / && "$PY" - <<'PYEOF'
import os, shutil, sys
import odoo
root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
for path in (os.path.join(root, "odoo-bin"), os.path.join(os.path.dirname(sys.executable), "odoo"), shutil.which("odoo")):
    if path and os.path.isfile(path):
        print(path)
        break
PYEOF
    )
}

odoo() { # [shell] then odoo arguments
    local cmd=(-m odoo) launcher
    launcher=$(odoo_launcher)
    [ -z "$launcher" ] || cmd=("$launcher")
    if [ "${1:-}" = shell ]; then
        cmd+=(shell)
        shift
    fi
    (cd "$REPO" && "$PY" "${cmd[@]}" -c "$ODOO_CONF" --addons-path="$(odoo_addons_path)" --data-dir="$DATA_DIR" "$@")
}

# --- The operator is a company in China: country CN, currency CNY ------------

# Make the main company of a database holding only 'base' a company in China, as
# Odoo's database manager does when "Country: China" is chosen: country CN and
# currency CNY. Done before any other module is installed, so that each one
# creates its data (pricelists, journals, payment providers...) in CNY, and
# installing 'account' loads the Chinese chart of accounts (l10n_cn, which Odoo
# auto-installs for companies in China) instead of the generic one.
make_company_chinese() { # db
    local db=$1 logfile=$DATA_DIR/logs/localize-$1.log
    mkdir -p "$DATA_DIR/logs"
    odoo shell -d "$db" --no-http --log-level=warn --logfile="$logfile" <<'PYEOF' ||
china = env.ref("base.cn")
env.ref("base.main_company").write({"country_id": china.id, "currency_id": china.currency_id.id})
env.cr.commit()
PYEOF
        { tail -n 40 "$logfile" >&2; die "could not make the main company of '$db' Chinese (log: $logfile)"; }
}

# Fail unless the main company of the database is in China, keeps its books in
# CNY on the Chinese chart of accounts, and every pricelist is in CNY.
check_company_chinese() { # db
    local wrong
    wrong=$(psql -d "$1" -Atqc "
        select 'company ' || c.name || ': ' || coalesce(country.code, 'no country') || ', ' || cur.name
               || ', chart ' || coalesce(c.chart_template, 'none')
          from res_company c
          join ir_model_data d on d.model = 'res.company' and d.res_id = c.id
                              and d.module = 'base' and d.name = 'main_company'
          join res_currency cur on cur.id = c.currency_id
          join res_partner p on p.id = c.partner_id
          left join res_country country on country.id = p.country_id
         where country.code is distinct from 'CN' or cur.name != 'CNY' or c.chart_template is distinct from 'cn'
        union all
        select 'pricelist ' || coalesce(pl.name->>'en_US', pl.id::text) || ': ' || cur.name
          from product_pricelist pl
          join res_currency cur on cur.id = pl.currency_id
         where cur.name != 'CNY'")
    [ -z "$wrong" ] || die "'$1' is not set up for China (CNY, chart cn): $wrong"
}

# --- Databases with the suite installed (tests, benchmarks) -----------------

# Install into a database, failing on any error and on warnings of the suite.
install_into() { # db, then odoo arguments
    local db=$1 logfile=$DATA_DIR/logs/install-$1.log
    shift
    mkdir -p "$DATA_DIR/logs"
    : >"$logfile"
    odoo -d "$db" "$@" --stop-after-init --no-http --log-level=warn --logfile="$logfile" ||
        { tail -n 40 "$logfile" >&2; die "installing into '$db' failed (log: $logfile)"; }
    if grep -E ' (ERROR|CRITICAL) ' "$logfile" >&2; then
        die "errors were logged while installing into '$db' (log: $logfile)"
    fi
    if grep -E ' WARNING .*(city_|city\.)' "$logfile" >&2; then
        die "the suite's modules logged warnings while installing into '$db' (log: $logfile)"
    fi
}

# The template database holding Odoo's own modules that the suite depends on (with
# demo data, for a company in China). Odoo's modules take most of the install time
# and never change between runs: the template is named after what it contains and
# built only when missing. Prints its name.
suite_template() {
    local deps key template
    deps=$(external_dependencies)
    # The template's filestore lives in this DATA_DIR, so the template belongs to it too.
    key=$(printf '%s|%s|zh_CN|CN|demo|%s' "$(cd / && "$PY" -c 'import odoo.release as r; print(r.version)')" \
        "$deps" "$DATA_DIR" | sha256sum | cut -c1-10)
    template=city_tmpl_$key
    mkdir -p "$DATA_DIR/logs"
    (
        flock 9 # one template build at a time for this data dir
        if ! db_exists "$template"; then
            log "building template database $template with Odoo modules: $deps"
            local old
            # Drop this data dir's outdated templates (others belong to other checkouts).
            for old in $(psql -d postgres -Atqc "select d.datname from pg_database d
                    where d.datname like 'city_tmpl_%' and shobj_description(d.oid, 'pg_database') = '$DATA_DIR'"); do
                dropdb "$old" && rm -rf "${DATA_DIR:?}/filestore/$old"
            done
            dropdb --if-exists --force "$template.tmp"
            install_into "$template.tmp" -i base --load-language=zh_CN
            make_company_chinese "$template.tmp"
            install_into "$template.tmp" -i "$deps"
            check_company_chinese "$template.tmp"
            psql -d postgres -qc "alter database \"$template.tmp\" rename to \"$template\""
            psql -d postgres -qc "comment on database \"$template\" is '$DATA_DIR'"
            rm -rf "${DATA_DIR:?}/filestore/$template"
            if [ -d "$DATA_DIR/filestore/$template.tmp" ]; then
                mv "$DATA_DIR/filestore/$template.tmp" "$DATA_DIR/filestore/$template"
            fi
        fi
    ) 9>"$DATA_DIR/logs/template.lock" >&2
    echo "$template"
}

# A fresh copy of the template (Odoo's modules only, none of the suite's).
build_template_copy() { # db
    local db=$1 template
    template=$(suite_template)
    dropdb --if-exists --force "$db"
    rm -rf "${DATA_DIR:?}/filestore/$db"
    createdb -T "$template" "$db"
    if [ -d "$DATA_DIR/filestore/$template" ]; then cp -a "$DATA_DIR/filestore/$template" "$DATA_DIR/filestore/$db"; fi
}

# A fresh database with every city_* module (and demo data), built on the template.
build_suite_db() { # db
    local db=$1 modules
    modules=$(city_modules)
    build_template_copy "$db"
    log "building fresh database '$db' with $modules"
    install_into "$db" -i "$modules"
    check_company_chinese "$db"
}

setup_all() {
    ensure_postgres
    ensure_venv
    ensure_odoo
    ensure_requirements
    ensure_chromium
    ensure_pdf_tools
    ensure_nginx
    mkdir -p "$DATA_DIR"
}
