# shellcheck shell=bash
# Out-of-tree builds: build-dev/ (the binary the stack runs, unit tests) and build-asan/
# (the unit tests under AddressSanitizer and UBSan).

build_bootstrap() {
    [[ -f $ROOT/configure.ac ]] || die "$ROOT/configure.ac is missing: the C sources are not in this checkout yet"
    [[ ! -f $ROOT/config.status ]] ||
        die "the source tree is configured in place ($ROOT/config.status); deploy/dev builds in build-dev/ and build-asan/: run 'make distclean' in $ROOT first"
    if [[ ! -x $ROOT/configure || $ROOT/configure.ac -nt $ROOT/configure ]]; then
        log "build: autoreconf -fi"
        (cd "$ROOT" && autoreconf -fi) || die "autoreconf failed (see above)"
    fi
}

# Configures build directory DIR with the remaining arguments, once; later source changes
# are picked up by the rebuild rules of the generated Makefiles.
build_configure() {
    local dir=$1
    shift
    [[ -f $dir/config.status ]] && return
    log "build: configuring ${dir#"$ROOT"/}${*:+ with $*}"
    mkdir -p "$dir"
    (cd "$dir" && "$ROOT/configure" "$@") || die "configure failed in $dir (see above and $dir/config.log)"
}

build_api() {
    build_bootstrap
    build_configure "$BUILD_DIR"
    log "build: make in ${BUILD_DIR#"$ROOT"/}"
    make -C "$BUILD_DIR" -j"$(nproc)" || die "the build failed (see above)"
    [[ -x $API_BIN ]] || die "the build did not produce $API_BIN"
}

build_check() {
    make -C "$BUILD_DIR" -j"$(nproc)" check VERBOSE=1
}

build_check_sanitized() {
    build_bootstrap
    [[ $("$ROOT/configure" --help) == *--enable-sanitizers* ]] ||
        die "configure has no --enable-sanitizers option: the sanitizer build cannot be made"
    build_configure "$ASAN_BUILD_DIR" --enable-sanitizers
    ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        make -C "$ASAN_BUILD_DIR" -j"$(nproc)" check VERBOSE=1
}
