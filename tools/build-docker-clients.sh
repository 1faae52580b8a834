#!/bin/bash
# Builds docker clients from moby's release tags, for tests/docker_clients.rs:
#   tools/build-docker-clients.sh DIR [TAG...]      (default: every v1.0.0 to v1.13.1 release tag)
# Each lands at DIR/TAG/docker. Needs git, Go (Debian's golang-go: GOPATH mode still builds these
# old trees) and a clone of github.com/moby/moby, at $MOBY_REPO or fetched into DIR/moby.git.
# Only the client is built: no daemon, no cgo graph drivers. Nothing of docker's lands in this
# repository.
set -euo pipefail
out=${1:?usage: $0 DIR [TAG...]}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
repo=${MOBY_REPO:-$out/moby.git}
[ -d "$repo" ] || git clone --bare --quiet https://github.com/moby/moby "$repo"
tags=("$@")
[ ${#tags[@]} -gt 0 ] || mapfile -t tags < <(git -C "$repo" tag | grep -E '^v1\.([0-9]|1[0-3])\.[0-9]+$' | sort -V)
for tag in "${tags[@]}"; do
    work=$(mktemp -d)
    # The import path the tree was written for: dotcloud until 1.1, docker after.
    path=github.com/docker/docker
    git -C "$repo" grep -q '"github.com/dotcloud/docker/' "$tag" -- '*.go' && path=github.com/dotcloud/docker
    src=$work/gopath/src/$path
    mkdir -p "$src"
    # A partial clone may lack a few blobs (examples, docs): leave out what it does not hold.
    skip=()
    missing=$(git -C "$repo" ls-tree -r "$tag" | awk '{print $3}' | git -C "$repo" cat-file --batch-check |
        awk '$2 == "missing" {print $1}')
    for object in $missing; do
        while read -r file; do skip+=(":(exclude)$file"); done < <(git -C "$repo" ls-tree -r "$tag" |
            awk -v o="$object" '$3 == o {print $4}')
    done
    git -C "$repo" archive "$tag" -- . ':(exclude)docs' "${skip[@]}" | tar -x -C "$src"
    gopath=$work/gopath
    # Vendored packages become a second GOPATH entry, their imports rewritten to plain paths.
    if [ -d "$src/vendor/src" ]; then
        mv "$src/vendor" "$work/vendor"
        gopath=$gopath:$work/vendor
        grep -rl "$path/vendor/src/" "$src" --include='*.go' | xargs -r sed -i "s#$path/vendor/src/##"
    fi
    version=${tag#v}
    commit=$(git -C "$repo" rev-parse --short=7 "$tag^{commit}")
    # The version file the release scripts generate.
    if [ -f "$src/hack/make/.go-autogen" ]; then
        (cd "$src" && VERSION=$version GITCOMMIT=$commit bash hack/make/.go-autogen >/dev/null 2>&1) || true
    fi
    main=$path/docker
    [ -d "$src/cmd/docker" ] && main=$path/cmd/docker
    flags="-X $path/dockerversion.VERSION=$version -X $path/dockerversion.GITCOMMIT=$commit"
    flags="$flags -X $path/dockerversion.Version=$version -X $path/dockerversion.GitCommit=$commit"
    mkdir -p "$out/$tag"
    if (cd "$work/gopath" && GOPATH=$gopath GO111MODULE=off GOFLAGS= CGO_ENABLED=0 go build \
        -tags 'exclude_graphdriver_devicemapper exclude_graphdriver_btrfs exclude_graphdriver_aufs exclude_graphdriver_zfs exclude_graphdriver_overlay autogen' \
        -ldflags "$flags" -o "$out/$tag/docker" "$main") >"$out/$tag/build.log" 2>&1; then
        echo "$tag: $("$out/$tag/docker" -v)"
    else
        echo "$tag: build failed, see $out/$tag/build.log" >&2
    fi
    rm -rf "$work"
done
