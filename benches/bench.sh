#!/usr/bin/env bash
# Benchmarks git-incident on a generated branch, against git itself on the same data.
#
#   benches/bench.sh [N]     # N incidents (default 10000, about 10 commits each)
#   PER_COMMIT=10 benches/bench.sh 100000   # 10 changes a commit (see examples/generate.rs)
#   KEEP=DIR benches/bench.sh N   # keep the generated branches in DIR, reuse them next time
#   BIG_ONLY=1 benches/bench.sh   # only the big-incident rows (timeline, 1 MiB fields)
#   CODE_ONLY=1 benches/bench.sh  # only the code-trailer rows (CODE_COMMITS, default 100000)
#   IMPORT_ONLY=1 benches/bench.sh  # only the import rows (1,000 Statuspage incidents)
#
# Builds in release mode, generates the branch in a temporary directory, and prints
# each measurement as a ratio to its baseline with the target next to it. Uses
# hyperfine when installed, else a simple loop (median of RUNS runs).
set -euo pipefail

N=${1:-10000}
PER_COMMIT=${PER_COMMIT:-1}
RUNS=${RUNS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
cargo build --release --quiet --bin git-incident --example generate
BIN=$ROOT/target/release/git-incident
GEN=$ROOT/target/release/examples/generate

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_PAGER=cat NO_COLOR=1 TZ=UTC
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com

# median_ms PREPARE COMMAND: wall-clock milliseconds (median), PREPARE run untimed before each run.
median_ms() {
    local prepare=$1 command=$2
    if command -v hyperfine >/dev/null; then
        hyperfine --style none --runs "$RUNS" --prepare "${prepare:-true}" \
            --export-json "$WORK/h.json" "$command" >/dev/null
        python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$WORK/h.json"
        return
    fi
    local times=() t0
    for _ in $(seq "$RUNS"); do
        [ -n "$prepare" ] && eval "$prepare"
        t0=$(date +%s%N)
        eval "$command" >/dev/null
        times+=($(( ($(date +%s%N) - t0) / 1000000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

# cpu_ms PREPARE COMMAND: user + system milliseconds (median) of COMMAND and the processes
# it waits for; steadier than wall-clock time on a machine shared with other work.
cpu_ms() {
    local prepare=$1 command=$2 times=()
    for _ in $(seq "$RUNS"); do
        [ -n "$prepare" ] && eval "$prepare"
        /usr/bin/time -o "$WORK/cpu" -f '%U %S' bash -c "$command" >/dev/null 2>&1 || true
        times+=($(awk '{ printf "%d", ($1 + $2) * 1000 }' "$WORK/cpu"))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 1; printf "%.3f", a / b }'; }
report() { # name ms baseline_ms target
    printf '%-34s %7s ms  vs %7s ms  = %6s x   (target <= %s x)\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"
}

# One incident with a long timeline, and one with a 1 MiB title and a 1 MiB summary,
# committed by hand as a team that pastes a lot would, then 20 writes through the tool.
# Timelines of 5,000 and 10,000 entries show how each command grows: linear is 2x.
big_incident() { # DIR ENTRIES FIELD_BYTES
    local dir=$1 n=$2 bytes=$3 wt file
    git init -q -b main "$dir"
    git -C "$dir" commit -q --allow-empty -m root
    "$BIN" -C "$dir" init >/dev/null 2>&1
    "$BIN" -C "$dir" new "Checkout down" -s SEV2 >/dev/null 2>&1
    wt="$dir-worktree"
    git -C "$dir" worktree add -q "$wt" incidents
    file=$(ls "$wt"/incidents/*/INC-1/incident.toml)
    awk -v bytes="$bytes" '
        function long(c,    s) { s = c; while (length(s) < bytes) s = s s; return substr(s, 1, bytes) }
        bytes > 0 && /^title = / { print "title = \"" long("x") "\""; next }
        { print }
        bytes > 0 && /^status = / { print "summary = \"" long("y") "\"" }
    ' "$file" >"$file.new" && mv "$file.new" "$file"
    awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
        printf "\n[[timeline]]\nat = 2026-01-01T%02d:%02d:%02dZ\nkind = \"action\"\ntext = \"Step %d: restarted the worker pool and checked the dashboards\"\nauthor = \"ana\"\n",
            int(i / 3600) % 24, int(i / 60) % 60, i % 60, i }' >>"$file"
    git -C "$wt" commit -q -a -m "INC-1: pasted by hand"
    git -C "$dir" worktree remove --force "$wt"
    for i in $(seq 20); do "$BIN" -C "$dir" timeline INC-1 add "note $i" >/dev/null 2>&1; done
}

big_incident_rows() {
    big_incident "$WORK/t1" 1 0
    big_incident "$WORK/t5k" 5000 0
    big_incident "$WORK/t10k" 10000 0
    big_incident "$WORK/field" 0 1048576
    local cmd name one half full
    echo
    echo "one incident, 1 vs 5,000 vs 10,000 timeline entries (10,000-entry file: $(git -C "$WORK/t10k" cat-file -s "incidents:$(git -C "$WORK/t10k" ls-tree -r --name-only incidents | grep INC-1/incident.toml)") bytes):"
    for cmd in "timeline INC-1 add x\$(date +%N)" "set INC-1 labels=x\$(date +%N)" "show INC-1" "check" "log INC-1"; do
        name=${cmd%% x*}; name=${name%% labels*}
        one=$(median_ms "" "'$BIN' -C '$WORK/t1' $cmd >/dev/null 2>&1")
        half=$(median_ms "" "'$BIN' -C '$WORK/t5k' $cmd >/dev/null 2>&1")
        full=$(median_ms "" "'$BIN' -C '$WORK/t10k' $cmd >/dev/null 2>&1")
        printf '  %-18s %6s ms  %6s ms  %6s ms   10k/5k = %s x (linear: 2)   10k/1 = %s x\n' \
            "$name" "$one" "$half" "$full" "$(ratio "$full" "$half")" "$(ratio "$full" "$one")"
    done
    echo "one incident with a 1 MiB title and a 1 MiB summary (committed by hand):"
    for cmd in "list" "show INC-1" "check" "set INC-1 labels=x\$(date +%N)"; do
        one=$(median_ms "" "'$BIN' -C '$WORK/t1' $cmd >/dev/null 2>&1")
        full=$(median_ms "" "'$BIN' -C '$WORK/field' $cmd >/dev/null 2>&1")
        printf '  %-18s %6s ms  vs %6s ms with short fields = %s x\n' "${cmd%% labels*}" "$full" "$one" "$(ratio "$full" "$one")"
    done
}

# A code history on main beside the incident branch: one commit per change to one of
# 100 files, a paragraph of body each; every 1,000th closes an action item with an
# `Incident-Action:` trailer, every 5,000th says it reverts a commit.
code_history() { # DIR COMMITS
    awk -v n="$2" 'BEGIN {
        for (i = 1; i <= n; i++) {
            msg = "Change " i " to the checkout service\n\nRetries are bounded and logged; see the design note for why.\n"
            if (i % 1000 == 0) msg = msg "\nReviewed-by: Ana <ana@example.com>\nIncident-Action: INC-1.A" (i / 1000 % 3 + 1) "\n"
            if (i % 5000 == 0) msg = msg "\nThis reverts commit 0123456789abcdef0123456789abcdef0123" sprintf("%04d", i / 5000) ".\n"
            printf "commit refs/heads/main\nmark :%d\ncommitter Dev <dev@example.com> %d +0000\ndata %d\n%s", i, 1600000000 + i * 600, length(msg), msg
            if (i > 1) printf "from :%d\n", i - 1
            body = "line " i "\n"
            printf "M 100644 inline src/file%d.txt\ndata %d\n%s\n", i % 100, length(body), body
        }
    }' | git -C "$1" fast-import --quiet --force
    git -C "$1" tag v1 main~10
}

code_rows() {
    local commits=${CODE_COMMITS:-100000} code=$WORK/code
    "$GEN" "$code" 1 2>/dev/null
    code_history "$code" "$commits"
    local trailers="rm -f '$code'/.git/incident/trailers-*"
    "$BIN" -C "$code" action list --open >/dev/null 2>&1
    local list="'$BIN' -C '$code' action list --open >/dev/null 2>&1"
    local log="git -C '$code' log --format=%B main >/dev/null"
    # One new commit on main: only it is walked.
    local new="git -C '$code' update-ref refs/heads/main \$(git -C '$code' commit-tree main^{tree} -p main -m x -m 'Incident-Action: INC-1.A1')"
    echo
    echo "code history: $commits commits on main (trailers on $(( commits / 1000 )))"
    local how measure
    for how in wall cpu; do
        measure=median_ms
        [ "$how" = cpu ] && measure=cpu_ms
        # What reading the trailers adds: the same read with and without their cache.
        local base cold warm one_new
        base=$($measure "" "$log")
        cold=$($measure "$trailers" "$list")
        warm=$($measure "" "$list")
        one_new=$($measure "$new" "$list")
        report "trailers added, cold ($how) / git log %B" "$(( cold - warm ))" "$base" 1.2
        report "trailers added, 1 new commit ($how) / git log %B" "$(( one_new - warm ))" "$base" 0.05
        printf '  action list --open (%s): %s ms cold, %s ms warm, %s ms after one new commit\n' "$how" "$cold" "$warm" "$one_new"
    done
}

# A Statuspage export of N incidents (each with four updates, one component of ten),
# written with awk so the benchmark needs nothing beyond git and a shell.
statuspage_export() { # N FILE
    awk -v n="$1" 'BEGIN {
        printf "{\"page\": {\"id\": \"bench\"}, \"incidents\": ["
        for (i = 1; i <= n; i++) {
            day = sprintf("2025-%02d-%02dT%02d:", (i % 12) + 1, (i % 28) + 1, i % 20)
            if (i > 1) printf ","
            printf "{\"id\": \"inc%06d\", \"name\": \"Incident %d\", \"status\": \"resolved\",", i, i
            printf " \"impact\": \"%s\", \"created_at\": \"%s05:00Z\",", (i % 2 ? "major" : "minor"), day
            printf " \"started_at\": \"%s00:00Z\", \"shortlink\": \"https://stspg.io/b%d\",", day, i
            printf " \"components\": [{\"id\": \"c%d\", \"name\": \"Service %d\"}],", i % 10, i % 10
            printf " \"incident_updates\": ["
            split("resolved monitoring identified investigating", status, " ")
            split("50 30 15 05", minute, " ")
            for (u = 1; u <= 4; u++) {
                if (u > 1) printf ","
                printf "{\"status\": \"%s\", \"body\": \"<p>Update %d &amp; more.</p>\",", status[u], u
                printf " \"created_at\": \"%s%s:00Z\", \"display_at\": \"%s%s:00Z\"}", day, minute[u], day, minute[u]
            }
            printf "]}"
        }
        printf "]}\n"
    }' > "$2"
}

# Import 1,000 Statuspage incidents into a new branch (targets: < 30 s), then the
# same export again, which must change nothing (< 3 s). Measured on a shared 2-core
# machine: 13-21 s (about 40 file opens a commit; the rest is waiting for the CPU) and
# 0.3-0.4 s.
import_rows() {
    local dir=$WORK/import export=$WORK/statuspage.json first again before
    statuspage_export 1000 "$export"
    git init -q -b main "$dir"
    git -C "$dir" commit -q --allow-empty -m root
    "$BIN" -C "$dir" init >/dev/null 2>&1
    # Only the first run imports anything: timed once.
    first=$(date +%s%N)
    "$BIN" -C "$dir" import statuspage "$export" >/dev/null 2>&1
    first=$(( ($(date +%s%N) - first) / 1000000 ))
    before=$(git -C "$dir" rev-parse refs/heads/incidents)
    again=$(median_ms "" "'$BIN' -C '$dir' import statuspage '$export' >/dev/null 2>&1")
    [ "$before" = "$(git -C "$dir" rev-parse refs/heads/incidents)" ] || echo "re-import moved the branch!"
    echo
    printf '%-34s %7s ms   (target < 30000 ms; %s commits)\n' "import statuspage, 1,000 new" "$first" \
        "$(git -C "$dir" rev-list --count refs/heads/incidents)"
    printf '%-34s %7s ms   (target < 3000 ms)\n' "import statuspage again (no-op)" "$again"
}

if [ -n "${BIG_ONLY:-}" ]; then
    big_incident_rows
    exit 0
fi
if [ -n "${CODE_ONLY:-}" ]; then
    code_rows
    exit 0
fi
if [ -n "${IMPORT_ONLY:-}" ]; then
    import_rows
    exit 0
fi

# KEEP=DIR keeps the generated branches in DIR and measures them again on the next run
# (at 100,000 incidents generation takes minutes); the write rows add to them.
BRANCHES=${KEEP:-$WORK}
BIG=$BRANCHES/big ONE=$BRANCHES/one
if [ -d "$BIG" ] && [ -d "$ONE" ]; then
    echo "measuring the branches kept in $BRANCHES"
else
    start=$(date +%s%N)
    "$GEN" "$BIG" "$N" "$PER_COMMIT"
    "$GEN" "$ONE" 1 2>/dev/null
    echo "generated in $(( ($(date +%s%N) - start) / 1000000 )) ms"
fi
COMMITS=$(git -C "$BIG" rev-list --count refs/heads/incidents)
echo "branch: $N incidents, $COMMITS commits"
export BIN BIG ONE

CACHE="$BIG/.git/incident"
drop_cache="rm -rf '$CACHE'"

git_log=$(median_ms "" "git -C '$BIG' log --raw --no-renames refs/heads/incidents >/dev/null")
metrics_cold=$(median_ms "$drop_cache" "'$BIN' -C '$BIG' metrics --json >/dev/null")
"$BIN" -C "$BIG" metrics --json >/dev/null
metrics_warm=$(median_ms "" "'$BIN' -C '$BIG' metrics --json >/dev/null")
# One incident's log, with the index's commit lists in place (metrics walked history).
log_warm=$(median_ms "" "'$BIN' -C '$BIG' log INC-$(( (N + 1) / 2 )) >/dev/null")

cat_file="git -C '$BIG' ls-tree -r refs/heads/incidents | awk '/incident.toml\$/ {print \$3}' | git -C '$BIG' cat-file --batch >/dev/null"
git_cat=$(median_ms "" "$cat_file")
list_cold=$(median_ms "$drop_cache" "'$BIN' -C '$BIG' list --json >/dev/null")
"$BIN" -C "$BIG" list --json >/dev/null
list_warm=$(median_ms "" "'$BIN' -C '$BIG' list --json >/dev/null")

# The table (piped, so neither paged nor fitted to a terminal) and action items, from
# the read index; a cold run parses every file.
table_cold=$(median_ms "$drop_cache" "'$BIN' -C '$BIG' list >/dev/null")
"$BIN" -C "$BIG" list >/dev/null
table_warm=$(median_ms "" "'$BIN' -C '$BIG' list >/dev/null")
open_warm=$(median_ms "" "'$BIN' -C '$BIG' list --status open >/dev/null")
actions_cold=$(median_ms "$drop_cache" "'$BIN' -C '$BIG' action list --open >/dev/null")
"$BIN" -C "$BIG" action list --open >/dev/null
actions_warm=$(median_ms "" "'$BIN' -C '$BIG' action list --open >/dev/null")
# check exits 1 when the branch has errors: timed all the same.
check_cold=$(median_ms "$drop_cache" "'$BIN' -C '$BIG' check >/dev/null 2>&1 || true")
"$BIN" -C "$BIG" check >/dev/null 2>&1 || true
check_warm=$(median_ms "" "'$BIN' -C '$BIG' check >/dev/null 2>&1 || true")

# search: a word in every written postmortem and in some titles, and a rare phrase,
# against git grep over the branch's tree (which reads every file, as a search must).
git_grep=$(median_ms "" "git -C '$BIG' grep -i -e pool refs/heads/incidents >/dev/null")
search_cold=$(median_ms "$drop_cache" "'$BIN' -C '$BIG' search pool >/dev/null")
"$BIN" -C "$BIG" search pool >/dev/null
search_warm=$(median_ms "" "'$BIN' -C '$BIG' search pool >/dev/null")
search_json_warm=$(median_ms "" "'$BIN' -C '$BIG' search --json pool >/dev/null")
search_rare_warm=$(median_ms "" "'$BIN' -C '$BIG' search '\"deploy #4242\"' >/dev/null")

# The static site: cold (no read index, empty directory), again on an unchanged branch,
# and after one incident changed. Budgets: 30 s cold, 2 s for a re-run.
SITE=$WORK/site
site_cold=$(median_ms "$drop_cache; rm -rf '$SITE'" "'$BIN' -C '$BIG' site --out '$SITE' >/dev/null 2>&1")
"$BIN" -C "$BIG" site --out "$SITE" >/dev/null 2>&1
site_same=$(median_ms "" "'$BIN' -C '$BIG' site --out '$SITE' >/dev/null 2>&1")
site_one=$(median_ms "'$BIN' -C '$BIG' set INC-$(( (N + 1) / 2 )) labels=x\$(date +%N) >/dev/null" "'$BIN' -C '$BIG' site --out '$SITE' >/dev/null 2>&1")

write_big=$(median_ms "" "'$BIN' -C '$BIG' set INC-1 labels=x\$(date +%N) >/dev/null")
write_one=$(median_ms "" "'$BIN' -C '$ONE' set INC-1 labels=x\$(date +%N) >/dev/null")

# DORA: a code history of 20,000 commits an hour apart up to now with a release tag
# every 100 (written by fast-import); `metrics --deploys` walks the deployed commits
# once. Baseline: git listing the same commits with their times.
awk -v n=20000 -v now="$(date +%s)" 'BEGIN {
    for (i = 1; i <= n; i++) {
        printf "commit refs/heads/code\nmark :%d\n", i
        printf "committer Bench <bench@example.com> %d +0000\ndata 7\nchange\n", now - (n - i) * 3600
        if (i > 1) printf "from :%d\n", i - 1
        printf "\n"
        if (i % 100 == 0) printf "reset refs/tags/v%d\nfrom :%d\n\n", i / 100, i
    }
}' | git -C "$BIG" fast-import --quiet --force
git_tags=$(median_ms "" "git -C '$BIG' rev-list --tags --format=%ct >/dev/null")
# The writes above moved the branch: bring the index up to date first, so that the
# difference below is the deployments' alone, whatever RUNS is.
"$BIN" -C "$BIG" metrics --json >/dev/null
metrics_again=$(median_ms "" "'$BIN' -C '$BIG' metrics --json >/dev/null")
dora_warm=$(median_ms "" "'$BIN' -C '$BIG' metrics --json --deploys 'refs/tags/v*' >/dev/null")

# The largest peak of the reads, each from no index (the most any of them holds).
peak="n/a"
if [ -x /usr/bin/time ]; then
    peak=0
    for cmd in "metrics --json" "list" "list --json" "action list --open" "check" "log INC-$(( (N + 1) / 2 ))"; do
        rm -rf "$CACHE"
        /usr/bin/time -v -o "$WORK/time.txt" "$BIN" -C "$BIG" $cmd >/dev/null 2>&1 || true
        mb=$(awk -F: '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$WORK/time.txt")
        [ "$mb" -gt "$peak" ] && peak=$mb
    done
fi

echo
report "metrics (cold) / git log --raw" "$metrics_cold" "$git_log" 1.5
report "metrics (warm) / git log --raw" "$metrics_warm" "$git_log" 0.05
report "list --json (cold) / cat-file" "$list_cold" "$git_cat" 3
report "list --json (warm) / cat-file" "$list_warm" "$git_cat" 0.3
report "list (cold) / cat-file" "$table_cold" "$git_cat" 3
report "list (warm) / cat-file" "$table_warm" "$git_cat" 0.3
report "list --status open (warm) / cat-file" "$open_warm" "$git_cat" 0.3
report "action list --open (cold) / cat-file" "$actions_cold" "$git_cat" 3
report "action list --open (warm) / cat-file" "$actions_warm" "$git_cat" 0.3
report "search (cold) / git grep" "$search_cold" "$git_grep" 3
report "search (warm) / git grep" "$search_warm" "$git_grep" 0.3
report "search --json (warm) / git grep" "$search_json_warm" "$git_grep" 0.3
report "search, rare phrase (warm) / git grep" "$search_rare_warm" "$git_grep" 0.3
report "check (warm) / check (cold)" "$check_warm" "$check_cold" 0.3
report "log INC-$(( (N + 1) / 2 )) (warm) / git log --raw" "$log_warm" "$git_log" 0.05
report "site (cold) / 30 s budget" "$site_cold" 30000 1
report "site (unchanged) / 2 s budget" "$site_same" 2000 1
report "site (one change) / 2 s budget" "$site_one" 2000 1
report "set at $N / set at 1" "$write_big" "$write_one" 1.5
report "metrics --deploys - metrics / rev-list" "$(( dora_warm > metrics_again ? dora_warm - metrics_again : 0 ))" "$git_tags" 2
echo "peak memory, any read (cold):       ${peak} MB   (target <= 512 MB)"

big_incident_rows
code_rows
import_rows
