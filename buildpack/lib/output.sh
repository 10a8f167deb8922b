# shellcheck shell=bash
# Heroku-style build output for the buildpack's bash scripts (sourced; defines functions only).

topic() { printf -- '-----> %s\n' "$*"; }
detail() { printf '       %s\n' "$*"; }
fail() {
  local line
  while IFS= read -r line; do printf ' !     %s\n' "$line" >&2; done <<<"$*"
  exit 1
}

# Indents a child's output line by line without buffering (long builds must stream).
if sed --version >/dev/null 2>&1; then
  indent() { sed -u 's/^/       /'; }
else
  indent() { sed -l 's/^/       /'; }
fi

# Hides credentials and query strings of a URL before it is printed.
redact_url() { printf '%s' "$1" | sed -E 's#//[^/@]*@#//***@#; s#\?.*$#?***#'; }

# A config var from ENV_DIR (the platform's way), else from the environment; empty when unset.
# Only used for the few values needed before Node runs (URLs and digests, where a trailing newline is
# never meaningful); the TypeScript side reads ENV_DIR byte-exact for everything else.
config_var() {
  local name=$1
  if [[ -n "${ENV_DIR:-}" && -f "$ENV_DIR/$name" ]]; then
    cat "$ENV_DIR/$name"
  else
    printenv "$name" || true
  fi
}
