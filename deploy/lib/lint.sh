# shellcheck shell=bash
# ./deploy/dev lint: the static gate that ./deploy/dev test runs before anything starts.
# Each check prints what it found and fails the gate; none needs the stack.

readonly ANALYZE_BUILD_DIR="$ROOT/build-analyze"

# Shell entry points; shellcheck -x follows what they source (deploy/lib/*.sh, bench/dev_env.sh).
lint_shell_files() {
    local f
    (cd "$ROOT" && git ls-files -- .ci/run deploy/dev deploy/prod/migrate 'bench/*.sh' 'tests/*/run' tests/lint/layers) |
        while IFS= read -r f; do
            [[ $f == bench/dev_env.sh ]] || printf '%s\n' "$f"
        done
}

lint_c_files() {
    (cd "$ROOT" && git ls-files -- 'app/*.[ch]' 'include/*.h' 'tests/unit/*.[ch]' 'tests/fuzz/*.[ch]')
}

lint_shellcheck() {
    local -a files
    mapfile -t files < <(lint_shell_files)
    (cd "$ROOT" && shellcheck -x "${files[@]}")
}

# variableScope is off: declarations at the top of a block are the house style.
lint_cppcheck() {
    (cd "$ROOT" && cppcheck --quiet --std=c11 --enable=warning,style,performance,portability \
        --suppress=variableScope --inline-suppr --error-exitcode=1 -I include app)
}

# GCC's static analyzer over the program's sources (leaks, NULL dereferences, double frees),
# in a build directory of its own so the normal build keeps its flags.
lint_analyzer() {
    build_bootstrap
    build_configure "$ANALYZE_BUILD_DIR" CFLAGS="-O1 -fanalyzer"
    make -C "$ANALYZE_BUILD_DIR" -j"$(nproc)" app/integrations-api
}

# The layers (docs/architecture.md, "Layers"): no include points up a layer, one header per source.
lint_layers() {
    "$ROOT/tests/lint/layers"
}

# The vocabularies (docs/architecture.md, "Vocabularies"): app/base/vocab.c, the SQL CHECKs and
# docs/openapi.yaml agree; --self-test proves the check catches a mismatch in each of them.
lint_vocab() {
    "$ROOT/tests/lint/vocab" && "$ROOT/tests/lint/vocab" --self-test
}

lint_format() {
    local -a files
    mapfile -t files < <(lint_c_files)
    (cd "$ROOT" && clang-format --dry-run --Werror "${files[@]}")
}

# Trailing whitespace, a blank line at the end of a file, conflict markers: git's own check
# of the whole tree against the empty tree.
lint_whitespace() {
    local empty_tree
    empty_tree=$(cd "$ROOT" && git hash-object -t tree /dev/null)
    (cd "$ROOT" && git -c core.whitespace=blank-at-eol,blank-at-eof,space-before-tab \
        diff --check "$empty_tree" -- . ':!*.md' ':!docs/openapi.yaml' ':!bench/postgraphile/package-lock.json' ':!tests/fuzz/corpus')
}

lint_run() {
    local check failed=()
    for check in shellcheck layers vocab cppcheck analyzer format whitespace; do
        log "lint: $check"
        "lint_$check" || failed+=("$check")
    done
    ((${#failed[@]} == 0)) || die "lint failed: ${failed[*]}"
}
