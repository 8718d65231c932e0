//! The fuzz targets on the stable toolchain, inside `cargo test`: with fixed seeds, each
//! entry point gets the seed files in fuzz/seeds, random bytes and mutations of the
//! seeds (byte flips, insertions, deletions, lines spliced or duplicated), up to a count
//! and a time budget so the whole run stays within seconds in a debug build.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use super::{FileKind, merge, parse_time, read_and_check, read_deploy_log};

/// xorshift64*: deterministic, no dependency, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces of TOML and of time input, so random edits reach past the first syntax error.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    " = ",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "#",
    ",",
    ".",
    "\n",
    "\r\n",
    "\\",
    "\\u00e9",
    "\\U0010FFFF",
    "true",
    "nan",
    "-inf",
    "1e400",
    "-0",
    "0x7f",
    "9223372036854775808",
    "2026-11-23T10:00:00+09:00",
    "2026-12-01",
    "10:00:00",
    "1979-05-27T07:32:00",
    "id",
    "status",
    "severity",
    "times",
    "timeline",
    "action",
    "services",
    "resolved",
    "INC-1",
    "INC-1.A1",
    "ago",
    " ago",
    "now",
    "m",
    "h",
    "d",
    "w",
    "s",
    ":",
    "-",
    "+",
    "T",
    "Z",
    "é",
    "日本",
    "\u{1F525}",
];

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(160);
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        match rng.below(10) {
            0..=3 => out.push(b' ' + rng.below(95) as u8),
            4..=6 => out.extend_from_slice(rng.pick(TOKENS).as_bytes()),
            7 => out.push(b'0' + rng.below(10) as u8),
            8 => out.push(b'\n'),
            _ => out.push(rng.next() as u8),
        }
    }
    out
}

/// Lines with their line endings, so joining them gives the text back.
fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
}

/// One to four random edits of `data`; `others` give lines to splice in.
fn mutate(rng: &mut Rng, data: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(9) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let byte = rng.next() as u8;
                out.insert(at, byte);
            }
            2 => {
                let token = rng.pick(TOKENS).as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            4..=6 => out = edit_lines(rng, &out, others),
            7 => {
                // A number where a number was: the extremes parsers forget.
                let digits = ["0", "-1", "4294967296", "99999999999999999999", "1e309"];
                let pos = out.iter().position(|b| b.is_ascii_digit());
                if let Some(pos) = pos {
                    let end = out[pos..]
                        .iter()
                        .position(|b| !b.is_ascii_digit())
                        .map_or(out.len(), |n| pos + n);
                    out.splice(pos..end, rng.pick(&digits).bytes());
                }
            }
            _ => {
                if let Some(other) = (!others.is_empty()).then(|| rng.pick(others)) {
                    let from = rng.below(other.len() + 1);
                    let to = (from + rng.below(64)).min(other.len());
                    out.splice(at..at, other[from..to].iter().copied());
                }
            }
        }
    }
    out
}

/// Line-level edits: those keep a TOML file valid more often than byte edits, so the
/// merge laws get exercised on files that parse.
fn edit_lines(rng: &mut Rng, data: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut rows: Vec<Vec<u8>> = lines(data).into_iter().map(<[u8]>::to_vec).collect();
    let at = rng.below(rows.len() + 1);
    match rng.below(4) {
        0 if at < rows.len() => {
            rows.remove(at);
        }
        1 if at < rows.len() => {
            let line = rows[at].clone();
            rows.insert(at, line);
        }
        2 if rows.len() > 1 => {
            let other = rng.below(rows.len());
            let at = at.min(rows.len() - 1);
            rows.swap(at, other);
        }
        _ => {
            if let Some(other) = (!others.is_empty()).then(|| rng.pick(others)) {
                let from = lines(other);
                if !from.is_empty() {
                    let mut line = rng.pick(&from).to_vec();
                    if !line.ends_with(b"\n") {
                        line.push(b'\n');
                    }
                    rows.insert(at, line);
                }
            }
        }
    }
    rows.concat()
}

/// The committed seed files of one target, in name order.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths
        .iter()
        .map(|path| std::fs::read(path).expect("a readable seed"))
        .collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// At most this many inputs per target, and at most this long: the whole run (five
/// targets, two cores, debug build) takes about 20 seconds.
const MAX_INPUTS: usize = 5000;
const BUDGET: Duration = Duration::from_secs(8);

/// Feeds `entry` the seeds and then generated inputs; on a panic, prints the input so it
/// can become a regression seed. `entry` says whether an input got past parsing; the
/// share that did tells whether the generator reaches the code behind the parser.
fn run(
    target: &str,
    seed: u64,
    corpus: &[Vec<u8>],
    mut generate: impl FnMut(&mut Rng) -> Vec<u8>,
    entry: impl Fn(&[u8]) -> bool,
) {
    let started = Instant::now();
    let mut rng = Rng::new(seed);
    let (mut count, mut deep) = (0, 0);
    while count < MAX_INPUTS && started.elapsed() < BUDGET {
        let input = match corpus.get(count) {
            Some(seed) => seed.clone(),
            None => generate(&mut rng),
        };
        match catch_unwind(AssertUnwindSafe(|| entry(&input))) {
            Ok(parsed) => deep += usize::from(parsed),
            Err(panic) => {
                eprintln!(
                    "fuzz {target}: input #{count} panicked: {:?}",
                    String::from_utf8_lossy(&input)
                );
                resume_unwind(panic);
            }
        }
        count += 1;
    }
    eprintln!(
        "fuzz {target}: {count} inputs ({deep} parsed) in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

/// Random bytes one time in five, otherwise a seed with edits to its bytes or, to get
/// past the parser more often, to its lines only.
fn bytes_or_mutation<'a>(corpus: &'a [Vec<u8>]) -> impl FnMut(&mut Rng) -> Vec<u8> + 'a {
    move |rng| {
        let seed = rng.pick(corpus);
        match rng.below(5) {
            0 => random_bytes(rng),
            1 | 2 => mutate(rng, seed, corpus),
            _ => {
                let mut text = seed.clone();
                for _ in 0..1 + rng.below(3) {
                    text = edit_lines(rng, &text, corpus);
                }
                text
            }
        }
    }
}

fn check_file(target: &str, seed: u64, kind: FileKind) {
    let corpus = seeds(target);
    run(target, seed, &corpus, bytes_or_mutation(&corpus), |data| {
        read_and_check(kind, data)
    });
}

#[test]
fn fuzz_check_incident() {
    check_file("check_incident", 1, FileKind::Incident);
}

#[test]
fn fuzz_check_postmortem() {
    check_file("check_postmortem", 2, FileKind::Postmortem);
}

#[test]
fn fuzz_check_config() {
    check_file("check_config", 3, FileKind::Config);
}

#[test]
fn fuzz_merge() {
    let corpus = seeds("merge");
    // Every version of every seed file, to derive both sides of a merge from one base.
    let files: Vec<Vec<u8>> = corpus
        .iter()
        .flat_map(|seed| seed.split(|&b| b == 0).map(<[u8]>::to_vec))
        .filter(|file| !file.is_empty())
        .collect();
    let mut mutated = bytes_or_mutation(&corpus);
    run(
        "merge",
        4,
        &corpus,
        |rng| {
            if rng.below(3) == 0 {
                return mutated(rng);
            }
            let base = rng.pick(&files).clone();
            let side = |rng: &mut Rng| {
                let mut text = base.clone();
                for _ in 0..rng.below(4) {
                    text = edit_lines(rng, &text, &files);
                }
                text
            };
            let (ours, theirs) = (side(rng), side(rng));
            let base = if rng.below(8) == 0 { Vec::new() } else { base };
            [base, ours, theirs].join(&0u8)
        },
        merge,
    );
}

#[test]
fn fuzz_parse_time() {
    let corpus = seeds("parse_time");
    let mut mutated = bytes_or_mutation(&corpus);
    let generate = |rng: &mut Rng| {
        if rng.below(3) == 0 {
            return mutated(rng);
        }
        let mut input = vec![rng.next() as u8];
        input.extend_from_slice(time_like(rng).as_bytes());
        input
    };
    run("parse_time", 5, &corpus, generate, parse_time);
}

#[test]
fn fuzz_deploy_log() {
    let corpus = seeds("deploy_log");
    run(
        "deploy_log",
        6,
        &corpus,
        bytes_or_mutation(&corpus),
        read_deploy_log,
    );
}

/// Times whose year is outside 0000-9999 parsed, then panicked when stored: a time far
/// ago, or a typed date with a signed or long year, which chrono's `%Y` accepts (found
/// by cargo-fuzz). They are refused now.
#[test]
fn time_out_of_toml_range() {
    // The first byte picks the zone ('0': Asia/Tokyo).
    let inputs = [
        "03000000d ago",
        "0999999999h ago",
        "0-199-5-5",
        "0+12345-01-01",
        "0+12345-01-01 10:00",
        // Found by cargo-fuzz: a sign before an ordinary year, "ago" with no space, and
        // (minimized, in America/New_York) year -2.
        "0-2026-11-23T10:03",
        "0+42026-11-23",
        "050002174dago",
        "6-2-3-3",
    ];
    let panicked: Vec<&str> = inputs
        .into_iter()
        .filter(|input| catch_unwind(|| parse_time(input.as_bytes())).is_err())
        .collect();
    assert!(panicked.is_empty(), "still panic: {panicked:?}");
}

/// Something shaped like a time a person types, with fields in and out of range.
fn time_like(rng: &mut Rng) -> String {
    let number = |rng: &mut Rng, digits: usize| -> String {
        (0..1 + rng.below(digits))
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect()
    };
    match rng.below(6) {
        0 => {
            let units = ["s", "m", "h", "d", "w", "x", " "];
            let mut text = String::new();
            for _ in 0..1 + rng.below(3) {
                text.push_str(&number(rng, 5));
                text.push_str(rng.pick::<&str>(&units));
            }
            text.push_str(rng.pick::<&str>(&[" ago", "ago", ""]));
            text
        }
        1 => format!(
            "{}{}-{}-{} {}:{}",
            rng.pick(&["", "", "+", "-"]),
            number(rng, 6),
            number(rng, 2),
            number(rng, 2),
            number(rng, 2),
            number(rng, 2)
        ),
        2 => format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            number(rng, 4),
            rng.below(14),
            rng.below(33),
            rng.below(26),
            rng.below(61),
            rng.below(62),
            rng.pick(&["Z", "+09:00", "-23:59", "+24:00", ".999999999Z", ""])
        ),
        3 => format!("{}:{}:{}", number(rng, 2), number(rng, 2), number(rng, 2)),
        4 => format!(
            "{}{}-{}-{}",
            rng.pick(&["", "", "+", "-"]),
            number(rng, 6),
            number(rng, 2),
            number(rng, 2)
        ),
        _ => rng.pick(TOKENS).to_string(),
    }
}

/// In a list laid out one item per line, the items were not told apart, so their
/// additions and removals were lost in a three-way merge. The laws `fuzz_merge`
/// asserts (a side that changed nothing) cannot see it.
#[test]
fn merge_keeps_both_sides_changes_to_multiline_lists() {
    let base = "services = [\n  \"a\",\n  \"b\",\n]\n";
    let ours = "services = [\n  \"a\",\n  \"b\",\n  \"c\",\n]\n";
    let services = |theirs: &str| {
        let merged = crate::merge::toml::merge_toml("f.toml", Some(base), ours, theirs)
            .expect("valid files merge");
        let value: toml::Table = toml::from_str(&merged.text).expect("the merge parses");
        value["services"].clone()
    };
    let list = |items: &[&str]| toml::Value::from(items.to_vec());
    let added = "services = [\n  \"a\",\n  \"b\",\n  \"d\",\n]\n";
    let removed = "services = [\n  \"a\",\n]\n";
    assert_eq!(services(added), list(&["a", "b", "c", "d"]));
    assert_eq!(services(removed), list(&["a", "c"]));
}
