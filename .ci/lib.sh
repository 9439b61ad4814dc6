# shellcheck shell=bash
# Helpers shared by .ci/run and .ci/with-debian-postgres.sh (sourced, not executed).

export DEBIAN_FRONTEND=noninteractive

# Print a section header (with time since CI start when VERITY_CI_T0 is set).
section() {
  local elapsed=''
  if [[ -n "${VERITY_CI_T0:-}" ]]; then
    elapsed=" (+$(( $(date +%s) - VERITY_CI_T0 ))s)"
  fi
  printf '\n==================== %s%s ====================\n' "$*" "$elapsed"
}

log() { printf '[ci] %s\n' "$*" >&2; }

# `apt-get update` at most once per CI run (also across the scripts, via env).
apt_update_once() {
  if [[ "${VERITY_CI_APT_UPDATED:-0}" != 1 ]]; then
    log 'apt-get update'
    apt-get update -qq
    export VERITY_CI_APT_UPDATED=1
  fi
}

apt_install() {
  apt_update_once
  log "apt-get install $*"
  apt-get install -y -qq --no-install-recommends "$@"
}

# A free TCP port on 127.0.0.1 (the kernel picks one; tiny race until it is used).
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});"
}
