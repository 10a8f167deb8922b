# shellcheck shell=bash
# Finds a Node.js fit to run pio-deploy, or installs the pinned one into the build cache (sourced).
# Sets NODE_BIN (the node to run) and NODE_HOME_DOWNLOADED (set only when it was downloaded: compile then
# vendors it into the slug, because the runtime stack has no Node).

NODE_MIN_MAJOR=20
NODE_PINNED_VERSION=20.18.1

# SHA-256 digests published in https://nodejs.org/dist/v20.18.1/SHASUMS256.txt
node_pinned_sha256() {
  case "$1" in
    x64) echo 259e5a8bf2e15ecece65bd2a47153262eda71c0b2c9700d5e703ce4951572784 ;;
    arm64) echo 73cd297378572e0bc9dfc187c5ec8cca8d43aee6a596c10ebea1ed5f9ec682b6 ;;
    *) return 1 ;;
  esac
}

node_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) return 1 ;;
  esac
}

node_major() {
  local version
  version=$("$1" --version 2>/dev/null) || return 1
  version=${version#v}
  [[ "${version%%.*}" =~ ^[0-9]+$ ]] || return 1
  echo "${version%%.*}"
}

select_node() {
  NODE_BIN=""
  NODE_HOME_DOWNLOADED=""
  local candidate major
  candidate=$(command -v node || true)
  if [[ -n "$candidate" ]] && major=$(node_major "$candidate") && ((major >= NODE_MIN_MAJOR)); then
    NODE_BIN=$candidate
    detail "Using Node $("$candidate" --version) from PATH ($candidate)"
    return 0
  fi
  if [[ -n "$candidate" ]]; then
    detail "Node on PATH is $("$candidate" --version 2>/dev/null || echo 'unusable'); pio-deploy needs $NODE_MIN_MAJOR or newer"
  fi
  install_node
}

install_node() {
  local arch url sha node_cache dir tarball unpack
  url=$(config_var NODE_DIST_URL)
  sha=$(config_var NODE_DIST_SHA256 | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')
  if [[ -z "$url" ]]; then
    arch=$(node_arch) || fail "No Node.js build for CPU $(uname -m). Put a Node $NODE_MIN_MAJOR+ on PATH, or set NODE_DIST_URL and NODE_DIST_SHA256."
    url="https://nodejs.org/dist/v$NODE_PINNED_VERSION/node-v$NODE_PINNED_VERSION-linux-$arch.tar.gz"
    sha=${sha:-$(node_pinned_sha256 "$arch")}
  fi
  [[ -n "$sha" ]] || fail "NODE_DIST_URL is set but NODE_DIST_SHA256 is not.
Set NODE_DIST_SHA256 to the SHA-256 of that tarball (sha256sum <file>)."
  [[ "$sha" =~ ^[0-9a-f]{64}$ ]] || fail "NODE_DIST_SHA256 is not a SHA-256 digest (64 hexadecimal characters)."

  # Classic: the build cache. CNB: NODE_CACHE_ROOT inside the buildpack's `node` layer (bin/build).
  node_cache="${NODE_CACHE_ROOT:-$CACHE_DIR/pio-deploy/node}"
  dir="$node_cache/$sha"
  if [[ -x "$dir/bin/node" ]]; then
    detail "Using cached Node $("$dir/bin/node" --version)"
  else
    detail "Downloading Node.js from $(redact_url "$url")"
    mkdir -p "$node_cache"
    tarball="$node_cache/.download-$$.tar.gz"
    if ! curl --fail --silent --show-error --location --retry 3 --retry-connrefused --connect-timeout 30 \
      --output "$tarball" "$url" 2> >(sed -E 's#//[^/@ ]*@#//***@#g' | indent >&2); then
      rm -f "$tarball"
      fail "Could not download Node.js from $(redact_url "$url").
Check NODE_DIST_URL, or put a Node $NODE_MIN_MAJOR+ on PATH."
    fi
    if ! echo "$sha  $tarball" | sha256sum --check --status; then
      rm -f "$tarball"
      fail "The Node.js download failed verification (SHA-256 is not $sha). Nothing was installed or cached.
Retry the build; if NODE_DIST_URL points at another build, set NODE_DIST_SHA256 to its digest."
    fi
    unpack=$(mktemp -d "$node_cache/.unpack-XXXXXX")
    if ! tar -xzf "$tarball" -C "$unpack" --strip-components=1; then
      rm -rf "$unpack" "$tarball"
      fail "The Node.js download is not a readable .tar.gz archive."
    fi
    rm -f "$tarball"
    rm -rf "$dir"
    mv "$unpack" "$dir"
  fi
  local major
  major=$(node_major "$dir/bin/node") || fail "The downloaded Node.js does not run on this machine."
  ((major >= NODE_MIN_MAJOR)) || fail "The downloaded Node.js is version $major; pio-deploy needs $NODE_MIN_MAJOR or newer."
  NODE_BIN="$dir/bin/node"
  # shellcheck disable=SC2034 # read by bin/compile and bin/build, which source this file
  NODE_HOME_DOWNLOADED="$dir"
  detail "Using Node $("$NODE_BIN" --version) (downloaded, verified)"
}
