#!/usr/bin/env bash
# Set up, create or update the database with every city_* module and its demo
# data, then serve it on http://localhost:${CITY_PORT:-8069} the way production
# is served: nginx on that port (deploy/nginx/city-suite.conf), in front of a
# multi-worker Odoo whose http and gevent (websocket) ports stay on loopback.
# Records entered through the UI survive later runs: the database is only
# created once, and modules are updated only when the addons changed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
setup_all

DB=${CITY_DB:-city}
PORT=${CITY_PORT:-8069}
# Odoo behind nginx: its http port and its gevent port (the bus websocket).
ODOO_PORT=${CITY_ODOO_PORT:-$((PORT + 10000))}
GEVENT_PORT=${CITY_GEVENT_PORT:-$((PORT + 10003))}
[ "$ODOO_PORT" -le 65535 ] && [ "$GEVENT_PORT" -le 65535 ] ||
    die "no port for Odoo behind nginx: set CITY_ODOO_PORT and CITY_GEVENT_PORT."
MODULES=$(city_modules)
stamp=$DATA_DIR/$DB.addons.sha256
addons_sum=$(cd "$REPO" && find addons -type f ! -path '*/__pycache__/*' -print0 | sort -z |
    xargs -0 sha256sum | sha256sum | cut -d' ' -f1)

if ! db_exists "$DB"; then
    log "creating database '$DB' with $MODULES and demo data (a few minutes the first time)"
    trap 'dropdb --if-exists --force "$DB"' EXIT # never leave a half-built database for the next run to "update"
    # Built as the test databases are (build_suite_db in lib.sh): a copy of the template that
    # holds Odoo's modules for a company in China (built once per data dir, shared with
    # 'make test'), with its own database secret and uuid; then the suite and its demo data.
    build_template_copy "$DB"
    psql -d "$DB" -qc "update ir_config_parameter set value = gen_random_uuid()::text
                        where key in ('database.secret', 'database.uuid')"
    odoo -d "$DB" -i "$MODULES" --stop-after-init --no-http --log-level=warn ||
        die "could not install the suite into '$DB' (see the messages above)"
    check_company_chinese "$DB"
    trap - EXIT
    echo "$addons_sum" >"$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$addons_sum" ]; then
    # -u for the installed modules, -i only for those new in addons/: '-i' on an installed
    # module reloads its demo data, which creates its records' lines a second time (and,
    # when that fails, Odoo marks the module as installed without demo data).
    new_modules=$(comm -23 <(tr , '\n' <<<"$MODULES" | sort) <(psql -d "$DB" -Atqc "
        select name from ir_module_module where name like 'city\_%' and state = 'installed'" | sort) |
        paste -sd, -)
    log "addons changed: updating $MODULES in '$DB' (your data is kept)${new_modules:+; installing $new_modules}"
    odoo -d "$DB" ${new_modules:+-i "$new_modules"} -u "$MODULES" --stop-after-init --no-http --log-level=warn ||
        die "could not update the suite in '$DB' (see the messages above)"
    echo "$addons_sum" >"$stamp"
else
    log "database '$DB' is up to date"
fi
if [ "$(psql -d "$DB" -Atqc "select count(*) from res_lang where code = 'zh_CN' and active")" != 1 ]; then
    log "loading the Chinese (zh_CN) translations into '$DB'"
    odoo -d "$DB" --load-language=zh_CN --stop-after-init --no-http --log-level=warn
fi

cat >&2 <<MSG

  City Life Suite / 同城生活服务  →  http://localhost:$PORT
  Log in (demo):  admin / admin            administrator (operator + accountant)
                  operator / operator      平台运营 (zh_CN)
                  accountant / accountant  平台财务 (zh_CN)
                  merchant / merchant      商户经理, 茶语时光 (zh_CN)
                  staff / staff            商户店员, 茶语时光 (zh_CN)
  Stop with Ctrl-C. Data: PostgreSQL database '$DB', files in $DATA_DIR.

MSG
conf=$(nginx_conf "$DB" "127.0.0.1:$PORT" "127.0.0.1:$ODOO_PORT" "127.0.0.1:$GEVENT_PORT")
trap stop_nginx EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_nginx "$conf" "$PORT"
log "nginx on 127.0.0.1:$PORT → Odoo on 127.0.0.1:$ODOO_PORT, websocket on 127.0.0.1:$GEVENT_PORT"
odoo -d "$DB" --http-interface=127.0.0.1 --http-port="$ODOO_PORT" --gevent-port="$GEVENT_PORT" --proxy-mode "$@"
