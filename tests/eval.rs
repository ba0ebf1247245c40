//! Reading accuracy on generated papers, through the real `ecount eval` command: no silent
//! misread, few clear papers sent to a person, every void paper flagged under its head, every
//! non-ballot set aside for the right reason.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn eval(args: &[&str]) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_ecount"))
        .current_dir(&root)
        .args([
            "eval",
            "--election",
            "elections/gla-2016.toml",
            "--json",
            "--verbose",
        ])
        .args(args)
        .output()
        .expect("runs ecount eval");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON summary")
}

fn n(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn check(v: &Value, max_clean_flagged_percent: f64) {
    assert!(n(v, "papers") > 0);
    assert_eq!(n(v, "silent_misreads"), 0, "{v:#}");
    assert_eq!(n(v, "ballots_set_aside"), 0, "{v:#}");
    assert_eq!(
        n(v, "non_ballots_set_aside_correctly"),
        n(v, "non_ballots"),
        "{v:#}"
    );
    let flagged = v["clean_flagged_percent"].as_f64().unwrap_or(100.0);
    assert!(
        flagged <= max_clean_flagged_percent,
        "{flagged}% of clear papers flagged: {v:#}"
    );
    // Every void paper goes to a person; allow a few to carry a neighbouring head (a huge
    // mark over two boxes is 'too many' to the machine and 'uncertain' to the truth).
    let void = n(v, "void_papers");
    let right = n(v, "void_flagged_with_correct_head");
    assert!(
        right * 10 >= void * 9,
        "{right} of {void} void papers with the right head: {v:#}"
    );
}

#[test]
fn realistic_200_dpi_jpeg() {
    let v = eval(&[
        "--ballots",
        "160",
        "--seed",
        "11",
        "--mix",
        "realistic",
        "--dpi",
        "200",
        "--format",
        "jpeg",
    ]);
    check(&v, 1.0);
}

#[test]
fn hard_150_dpi_jpeg() {
    let v = eval(&[
        "--ballots",
        "100",
        "--seed",
        "12",
        "--mix",
        "hard",
        "--dpi",
        "150",
        "--format",
        "jpeg",
    ]);
    assert!(
        n(&v, "non_ballots") > 0,
        "the hard mix includes non-ballots"
    );
    check(&v, 10.0);
}

// Thresholding to black and white erases most of a faint pencil line, so on bilevel scans
// more faint papers go to a person (never the other way: no silent misread is allowed).
#[test]
fn hard_300_dpi_g4_tiff() {
    let v = eval(&[
        "--ballots",
        "60",
        "--seed",
        "13",
        "--mix",
        "hard",
        "--dpi",
        "300",
        "--format",
        "tiff",
    ]);
    check(&v, 25.0);
}

#[test]
fn realistic_bilevel_png() {
    let v = eval(&[
        "--ballots",
        "60",
        "--seed",
        "14",
        "--mix",
        "realistic",
        "--dpi",
        "200",
        "--format",
        "png",
        "--bilevel",
    ]);
    check(&v, 8.0);
}
