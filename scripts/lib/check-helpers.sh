# Shared by consumer-check.sh and cdktn-check.sh, which source it after setting $root (this
# repository) and $work (their scratch directory).

# Packs this package as npm would publish it (prepack builds it) into $work; sets $tarball to the
# file's name. $1 names the check in the error message.
pack_into_work() {
  # prepack runs the build, whose errors go to stdout: keep them, or a failed pack would exit silently.
  if ! (cd "$root" && npm pack --silent --pack-destination "$work" >"$work/pack.log"); then
    cat "$work/pack.log" >&2
    echo "$1: npm pack failed; --silent hides npm's own errors, so run npm pack (or npm run build) to see why" >&2
    exit 1
  fi
  tarball=$(tail -n 1 "$work/pack.log")
  echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"
}

# The version of a package installed in this repository: the one its tests ran with.
version_of() { node -p "require('$root/node_modules/$1/package.json').version"; }

# Makes $1 a directory holding only a `node` (the one on PATH, or $2). As the whole PATH of a
# synthesis, it proves the synthesis never shells out to docker, terraform or anything else.
make_node_only_dir() {
  mkdir -p "$1"
  ln -sf "${2:-$(command -v node)}" "$1/node"
}
