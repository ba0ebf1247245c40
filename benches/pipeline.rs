//! Criterion benches of the scan's stages on a small rendered corpus: decode only, decode and
//! read, and the whole scan (hash, read, record) into an in-memory store. `ecount bench`
//! measures the same on large corpora, with thread scaling and memory.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ecount_election::Election;
use ecount_pipeline::bench::corpus_options;
use ecount_pipeline::{scan, Quiet, ScanOptions};
use ecount_store::SqliteStore;
use ecount_synth::{generate_paper, Mix};
use std::path::Path;

const PAPERS: u64 = 24;

fn election() -> Election {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../elections/gla-2016.toml");
    Election::load(root).expect("gla-2016 definition")
}

fn stages(c: &mut Criterion) {
    let election = election();
    let opts = corpus_options();
    let papers: Vec<_> = (0..PAPERS)
        .map(|i| generate_paper(&election, 7, i, Mix::Realistic, &opts))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = dir.path().join("box-1");
    std::fs::create_dir_all(&batch).expect("batch dir");
    for p in &papers {
        std::fs::write(batch.join(&p.file_name), &p.bytes).expect("write paper");
    }

    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    g.throughput(Throughput::Elements(PAPERS));
    g.bench_function("decode_only", |b| {
        b.iter(|| {
            for p in &papers {
                let _ = std::hint::black_box(ecount_scan::decode::decode(&p.bytes));
            }
        })
    });
    g.bench_function("decode_and_read", |b| {
        b.iter(|| {
            for p in &papers {
                let _ = std::hint::black_box(ecount_scan::read_ballot(&p.bytes, &election));
            }
        })
    });
    g.bench_function("whole_scan_1_thread", |b| {
        b.iter(|| {
            let mut store = SqliteStore::open_in_memory().expect("store");
            let opts = ScanOptions {
                threads: 1,
                ..ScanOptions::default()
            };
            scan(dir.path(), &election, &mut store, &opts, &Quiet).expect("scan")
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
