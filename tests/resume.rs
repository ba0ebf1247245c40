//! A real `ecount scan` process killed (SIGKILL) part-way and then resumed ends with exactly
//! the store an uninterrupted scan makes: the same papers, ids, statuses and readings, the
//! same batches and the same tally.

use ecount_election::Election;
use ecount_store::{CountStore, SqliteStore};
use ecount_synth::{write_scan_tree, Mix, OutputFormat, RenderOptions};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const ECOUNT: &str = env!("CARGO_BIN_EXE_ecount");

fn election_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../elections/gla-2016.toml")
}

fn scan_cmd(root: &Path, db: &Path) -> Command {
    let mut c = Command::new(ECOUNT);
    c.arg("scan")
        .arg(root)
        .arg("--election")
        .arg(election_file())
        .arg("--db")
        .arg(db)
        .args(["--threads", "2", "--quiet"]);
    c
}

/// Everything the store holds, in a comparable form.
fn contents(db: &Path, election: &Election) -> (Vec<String>, String, String) {
    let store = SqliteStore::open(db).unwrap();
    let mut papers = Vec::new();
    store
        .for_each_paper(&mut |r| {
            papers.push(format!(
                "{} {} {} {} {:?} {}",
                r.id,
                r.batch_id,
                r.path,
                r.sha256,
                r.status,
                serde_json::to_string(&r.outcome).unwrap()
            ))
        })
        .unwrap();
    let batches = serde_json::to_string(&store.batches().unwrap()).unwrap();
    let tally = serde_json::to_string(&store.tally(election).unwrap()).unwrap();
    (papers, batches, tally)
}

#[test]
fn killed_scan_resumes_to_the_same_store() {
    let election = Election::load(election_file()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("scans");
    let opts = RenderOptions {
        dpi: 150,
        format: OutputFormat::Png,
        bilevel: false,
        jpeg_quality: None,
    };
    let tree = write_scan_tree(&election, &root, 100, 5, Mix::Realistic, &opts, &|_| {}).unwrap();

    let whole = dir.path().join("whole.db");
    let st = scan_cmd(&root, &whole)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());

    // Small transactions, and SIGKILL once a few have been committed.
    let resumed = dir.path().join("resumed.db");
    let mut child = scan_cmd(&root, &resumed)
        .args([
            "--papers-per-transaction",
            "5",
            "--log",
            "ecount_pipeline=info",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut commits = 0;
    for line in BufReader::new(stderr).lines() {
        if line.unwrap().contains("committed") {
            commits += 1;
            if commits == 4 {
                break;
            }
        }
    }
    assert_eq!(commits, 4, "the scan ended before it could be killed");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let (partial, _, _) = contents(&resumed, &election);
    assert!(
        !partial.is_empty() && (partial.len() as u64) < tree.files,
        "killed part-way: {} of {} papers stored",
        partial.len(),
        tree.files
    );

    let out = scan_cmd(&root, &resumed).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("already stored:      {}", partial.len())),
        "{text}"
    );

    let a = contents(&whole, &election);
    let b = contents(&resumed, &election);
    assert_eq!(a.0.len() as u64, tree.files);
    assert_eq!(a.0, b.0, "papers");
    assert_eq!(a.1, b.1, "batches");
    assert_eq!(a.2, b.2, "tally");
}
