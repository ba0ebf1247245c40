//! End-to-end in a real headless Chromium (Debian's, driven by playwright-core from
//! crates/review/e2e): sign in, adjudicate a queued paper, see the tally change. Saves a
//! screenshot of the adjudication page to docs/review-screenshot.png.
//!
//! Skips with a notice only when the browser or driver is missing and CI is not set.

mod common;

use common::*;
use ecount_review::{router, Config};
use ecount_store::{CountStore, PaperStatus};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn missing(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing in CI: .ci/install should have installed it");
    }
    eprintln!("NOTICE: skipping the browser test: {what} is missing (run .ci/install)");
}

#[test]
fn clerk_adjudicates_in_chromium_and_the_tally_changes() {
    let e2e_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    let Some(browser) = chromium() else {
        return missing("chromium");
    };
    if !e2e_dir.join("node_modules/playwright-core").exists() {
        return missing("playwright-core (npm ci in crates/review/e2e)");
    }
    if Command::new("node").arg("--version").output().is_err() {
        return missing("node");
    }

    // A real rendered paper read by the real reader, else a drawn stand-in.
    let f = match real_fixture(Config::default()) {
        Some(f) => f,
        None => {
            eprintln!("NOTICE: no rendered constituency paper read; using a drawn stand-in");
            fixture(1, Config::default())
        }
    };
    let e = election();
    let style = e
        .styles
        .iter()
        .find(|s| s.kind == ecount_election::PaperKind::Constituency)
        .unwrap();
    let (area, contest) = (style.area, style.contest);
    let before = f.app.store.lock().unwrap().tally(&e).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = f.app.clone();
    rt.spawn(async move { axum::serve(listener, router(app)).await });

    let profile = tempfile::tempdir().unwrap();
    let screenshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/review-screenshot.png");
    let out = Command::new("node")
        .arg(e2e_dir.join("run.mjs"))
        .current_dir(&e2e_dir)
        .env("BASE_URL", format!("http://{addr}"))
        .env("E2E_USER", "alice")
        .env("E2E_PASSWORD", PASSWORD)
        .env("E2E_AREA", area.to_string())
        .env("E2E_CONTEST", contest.to_string())
        .env("CHROMIUM", &browser)
        .env("USER_DATA_DIR", profile.path())
        .env("SCREENSHOT", &screenshot)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser run failed:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");

    // The decision the browser made is in the store and in the tally, once.
    let store = f.app.store.lock().unwrap();
    let p = store.paper(f.paper_ids[0]).unwrap();
    assert_eq!(p.status, PaperStatus::Adjudicated);
    assert_eq!(
        p.current().unwrap().vote,
        ecount_election::Vote::Single { option: 2 }
    );
    let after = store.tally(&e).unwrap();
    assert_eq!(
        after.papers(area, contest),
        before.papers(area, contest) + 1
    );
    let (b, a) = (
        ecount_tally::shares(&before, area, contest),
        ecount_tally::shares(&after, area, contest),
    );
    assert_eq!(a[2].1, b[2].1 + 1);
    assert!(store.verify_audit().unwrap().ok());
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    drop(store);
    rt.shutdown_background();
}
