//! The scan: a producer walks the batches, a bounded rayon pool hashes, decodes and reads the
//! pages, and one writer (the calling thread) records the results to the store in
//! transactions, feeds the live tally and tells the observer.
//!
//! ```text
//!  producer ──jobs (bounded)──▶ T workers ──results (bounded)──▶ writer ──▶ store, tally
//!     │                                                            ▲
//!     └──────────batch start/end (same results channel)────────────┘
//!     ◀────────────────────permits (window)────────────────────────┘
//! ```
//!
//! Every item carries a sequence number and the writer puts them back in order, so papers are
//! stored in batch and file-name order whatever the thread timing: a resumed run stores the
//! same rows, in the same order, as an uninterrupted one. The permits bound how far the
//! producer may run ahead of the writer, so memory stays flat however many images there are.

use crate::report::{BatchReport, ScanSummary};
use crate::walk::{find_batches, image_files, BatchDir, WalkError};
use crossbeam_channel::{bounded, Receiver, Sender};
use ecount_election::Election;
use ecount_scan::{read_ballot, Outcome, Unreadable};
use ecount_store::{BatchInfo, CountStore, PaperInput, PaperStatus, Recorded, StoreError};
use ecount_tally::Tally;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Threads that hash, decode and read pages (the writer is one more).
    pub threads: usize,
    /// Papers per store transaction.
    pub papers_per_transaction: usize,
    /// A transaction is also committed once its oldest paper has waited this long, so a slow
    /// scan loses little on a crash and the progress shown stays current.
    pub max_commit_delay: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            papers_per_transaction: 256,
            max_commit_delay: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start {threads} reader threads: {message}")]
    Threads { threads: usize, message: String },
}

/// What happened to one page, as the writer learns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperEvent<'a> {
    Counted,
    /// Queued for a person: flagged, or no official mark found.
    Review,
    SetAside {
        reason: &'static str,
    },
    /// The same bytes were stored before from another file.
    Duplicate {
        first_path: &'a str,
    },
    /// Stored by an earlier run (resume).
    AlreadyRecorded,
    /// This path was stored before with other bytes: not counted (see `Recorded::Replaced`).
    Replaced,
    /// The file could not be opened; it is left for the next run.
    FileError,
}

/// Hears about the scan as it goes; all calls come from the writer thread.
pub trait Observer {
    fn started(&self, _batches: usize, _files: u64) {}
    fn paper(&self, _path: &str, _event: PaperEvent<'_>) {}
    /// A transaction was committed; `live` is the provisional tally so far.
    fn committed(&self, _papers: usize, _live: &Tally) {}
    fn batch_done(&self, _batch_id: &str) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

struct Job {
    seq: u64,
    batch_id: Arc<str>,
    path: PathBuf,
}

enum Item {
    BatchStart(BatchInfo),
    /// A page read now.
    Paper(PaperInput),
    /// A page whose bytes the store already holds: not decoded again.
    Known(PaperInput),
    FileError {
        path: String,
        message: String,
    },
    BatchEnd(String),
    ListError(String),
}

/// Scans every batch under `root` into `store`. Returns the summary of this run, with the
/// verification of each batch scanned and the provisional results from the store.
pub fn scan<S: CountStore + ?Sized>(
    root: &Path,
    election: &Election,
    store: &mut S,
    opts: &ScanOptions,
    observer: &dyn Observer,
) -> Result<ScanSummary, ScanError> {
    let started = Instant::now();
    let threads = opts.threads.max(1);
    let batches = find_batches(root)?;
    let mut files = 0u64;
    for b in &batches {
        files += image_files(&b.folder)?.len() as u64;
    }
    tracing::info!(batches = batches.len(), files, threads, "scan starting");
    observer.started(batches.len(), files);

    let known: HashSet<[u8; 32]> = store
        .known_hashes()?
        .iter()
        .filter_map(|h| decode_hash(h))
        .collect();
    let tally = store.tally(election)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("ecount-read-{i}"))
        .build()
        .map_err(|e| ScanError::Threads {
            threads,
            message: e.to_string(),
        })?;

    // Items in flight between the producer and the writer: enough to keep every worker busy
    // through a commit, small enough that memory does not depend on the number of images.
    let window = 16 * threads + 64;
    let (job_tx, job_rx) = bounded::<Job>(2 * threads);
    let (res_tx, res_rx) = bounded::<(u64, Item)>(4 * threads + 16);
    let (permit_tx, permit_rx) = bounded::<()>(window);
    for _ in 0..window {
        let _ = permit_tx.send(());
    }

    let mut writer = Writer {
        store,
        election,
        opts,
        observer,
        pending: Vec::new(),
        pending_known: Vec::new(),
        pending_since: None,
        tally,
        summary: ScanSummary::new(files, election),
        batch_ids: Vec::new(),
    };
    let result = std::thread::scope(|s| {
        let producer_res = res_tx.clone();
        s.spawn(move || produce(&batches, job_tx, producer_res, permit_rx));
        let known = &known;
        s.spawn(move || {
            pool.scope(|ps| {
                for _ in 0..threads {
                    let job_rx = job_rx.clone();
                    let res_tx = res_tx.clone();
                    ps.spawn(move |_| work(job_rx, res_tx, election, known));
                }
            });
        });
        // The writer owns the receiving ends: if it stops on a store error they are dropped,
        // which stops the producer and the workers too.
        writer.run(res_rx, permit_tx)
    });
    result?;
    let mut summary = writer.finish()?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn decode_hash(hex_text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).ok()?;
    Some(out)
}

struct Emitter {
    next: u64,
    permits: Receiver<()>,
    results: Sender<(u64, Item)>,
}

impl Emitter {
    /// The next sequence number, once a permit is free; `None` when the writer has stopped.
    fn ticket(&mut self) -> Option<u64> {
        self.permits.recv().ok()?;
        let s = self.next;
        self.next += 1;
        Some(s)
    }

    fn emit(&mut self, item: Item) -> Option<()> {
        let s = self.ticket()?;
        self.results.send((s, item)).ok()
    }
}

fn produce(
    batches: &[BatchDir],
    job_tx: Sender<Job>,
    results: Sender<(u64, Item)>,
    permits: Receiver<()>,
) {
    let mut out = Emitter {
        next: 0,
        permits,
        results,
    };
    for b in batches {
        if produce_batch(b, &job_tx, &mut out).is_none() {
            return;
        }
    }
}

fn produce_batch(b: &BatchDir, job_tx: &Sender<Job>, out: &mut Emitter) -> Option<()> {
    let info = BatchInfo {
        batch_id: b.id.clone(),
        folder: b.folder.display().to_string(),
        area: b.manifest.as_ref().map(|m| m.area.clone()),
        manifest: b.manifest.clone(),
    };
    if let Some(e) = &b.manifest_error {
        out.emit(Item::ListError(format!(
            "batch {}: manifest not used: {e}",
            b.id
        )))?;
    }
    out.emit(Item::BatchStart(info))?;
    // Only this batch's file names are held, never its images.
    let files = match image_files(&b.folder) {
        Ok(f) => f,
        Err(e) => {
            out.emit(Item::ListError(e.to_string()))?;
            Vec::new()
        }
    };
    let batch_id: Arc<str> = Arc::from(b.id.as_str());
    for path in files {
        let seq = out.ticket()?;
        job_tx
            .send(Job {
                seq,
                batch_id: batch_id.clone(),
                path,
            })
            .ok()?;
    }
    out.emit(Item::BatchEnd(b.id.clone()))
}

fn work(
    jobs: Receiver<Job>,
    results: Sender<(u64, Item)>,
    election: &Election,
    known: &HashSet<[u8; 32]>,
) {
    for job in jobs {
        let item = read_page(&job, election, known);
        if results.send((job.seq, item)).is_err() {
            return;
        }
    }
}

fn read_page(job: &Job, election: &Election, known: &HashSet<[u8; 32]>) -> Item {
    let path = job.path.display().to_string();
    let bytes = match std::fs::read(&job.path) {
        Ok(b) => b,
        Err(e) => {
            return Item::FileError {
                path,
                message: e.to_string(),
            }
        }
    };
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    let sha256 = hex::encode(digest);
    let batch_id = job.batch_id.to_string();
    if known.contains(&digest) {
        // The store ignores the outcome of a paper it already holds; it only needs the path
        // to tell a resumed page from a duplicate image.
        return Item::Known(PaperInput {
            batch_id,
            path,
            sha256,
            outcome: Err(Unreadable::DecodeFailed {
                message: "not read again: already stored".into(),
            }),
        });
    }
    let outcome = read_guarded(&bytes, election);
    drop(bytes);
    Item::Paper(PaperInput {
        batch_id,
        path,
        sha256,
        outcome,
    })
}

/// `read_ballot`, with a panic in the reader turned into a set-aside paper: one bad file must
/// never stop the count.
pub fn read_guarded(bytes: &[u8], election: &Election) -> Outcome {
    catch_unwind(AssertUnwindSafe(|| read_ballot(bytes, election))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Unreadable::DecodeFailed {
            message: format!("the reader failed on this file: {message}"),
        })
    })
}

struct Writer<'a, S: ?Sized> {
    store: &'a mut S,
    election: &'a Election,
    opts: &'a ScanOptions,
    observer: &'a dyn Observer,
    pending: Vec<PaperInput>,
    pending_known: Vec<bool>,
    pending_since: Option<Instant>,
    tally: Tally,
    summary: ScanSummary,
    batch_ids: Vec<String>,
}

impl<S: CountStore + ?Sized> Writer<'_, S> {
    fn run(
        &mut self,
        results: Receiver<(u64, Item)>,
        permits: Sender<()>,
    ) -> Result<(), ScanError> {
        let mut next = 0u64;
        let mut waiting: BTreeMap<u64, Item> = BTreeMap::new();
        loop {
            let timeout = self
                .pending_since
                .map(|t| self.opts.max_commit_delay.saturating_sub(t.elapsed()));
            let received = match timeout {
                Some(t) => results.recv_timeout(t),
                None => results
                    .recv()
                    .map_err(|_| crossbeam_channel::RecvTimeoutError::Disconnected),
            };
            match received {
                Ok((seq, item)) => {
                    waiting.insert(seq, item);
                }
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    self.flush()?;
                    continue;
                }
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            }
            while let Some(item) = waiting.remove(&next) {
                next += 1;
                // Never blocks: at most `window` permits exist.
                let _ = permits.try_send(());
                self.take(item)?;
            }
        }
        debug_assert!(waiting.is_empty(), "items lost in the reorder buffer");
        self.flush()
    }

    fn take(&mut self, item: Item) -> Result<(), ScanError> {
        match item {
            Item::BatchStart(info) => {
                tracing::info!(batch = %info.batch_id, folder = %info.folder, "batch");
                if let Some(area) = &info.area {
                    if self.election.area_index(area).is_none() {
                        self.summary.problems.push(format!(
                            "batch {}: manifest names area '{area}', which is not in the election",
                            info.batch_id
                        ));
                    }
                }
                self.store.begin_batch(&info)?;
                self.batch_ids.push(info.batch_id);
            }
            Item::Paper(p) => self.push(p, false)?,
            Item::Known(p) => self.push(p, true)?,
            Item::FileError { path, message } => {
                tracing::warn!(%path, "cannot open: {message}");
                self.observer.paper(&path, PaperEvent::FileError);
                self.summary.file_errors.push((path, message));
            }
            Item::BatchEnd(batch_id) => {
                self.flush()?;
                self.summary.batches_done += 1;
                self.observer.batch_done(&batch_id);
            }
            Item::ListError(message) => {
                tracing::warn!("{message}");
                self.summary.problems.push(message);
            }
        }
        Ok(())
    }

    fn push(&mut self, p: PaperInput, known: bool) -> Result<(), ScanError> {
        self.pending_since.get_or_insert_with(Instant::now);
        self.pending.push(p);
        self.pending_known.push(known);
        if self.pending.len() >= self.opts.papers_per_transaction.max(1) {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ScanError> {
        self.pending_since = None;
        if self.pending.is_empty() {
            return Ok(());
        }
        let recorded = self.store.record_papers(&self.pending)?;
        let n = self.pending.len();
        for ((paper, known), rec) in self
            .pending
            .drain(..)
            .zip(self.pending_known.drain(..))
            .zip(recorded)
        {
            self.summary.files_seen += 1;
            match rec {
                Recorded::New { status, .. } => {
                    self.summary.read += 1;
                    let event = match status {
                        PaperStatus::Counted => {
                            if let Ok(r) = &paper.outcome {
                                self.tally.add(r.area, r.contest, &r.vote);
                            }
                            self.summary.counted += 1;
                            PaperEvent::Counted
                        }
                        PaperStatus::SetAside => {
                            let reason = match &paper.outcome {
                                Err(u) => u.name(),
                                Ok(_) => "set_aside",
                            };
                            *self.summary.set_aside.entry(reason).or_default() += 1;
                            PaperEvent::SetAside { reason }
                        }
                        _ => {
                            self.summary.review += 1;
                            if let Err(u) = &paper.outcome {
                                *self
                                    .summary
                                    .review_unidentified
                                    .entry(u.name())
                                    .or_default() += 1;
                            }
                            PaperEvent::Review
                        }
                    };
                    self.observer.paper(&paper.path, event);
                }
                Recorded::Replaced { first_paper } => {
                    tracing::warn!(path = %paper.path, first_paper, "image replaced since it was recorded");
                    self.observer.paper(&paper.path, PaperEvent::Replaced);
                    self.summary.replaced.push(paper.path);
                }
                Recorded::Duplicate { first_path } => {
                    if known && first_path == paper.path {
                        self.summary.already_recorded += 1;
                        self.observer
                            .paper(&paper.path, PaperEvent::AlreadyRecorded);
                    } else {
                        tracing::warn!(path = %paper.path, first = %first_path, "duplicate image");
                        self.observer.paper(
                            &paper.path,
                            PaperEvent::Duplicate {
                                first_path: &first_path,
                            },
                        );
                        self.summary.duplicates.push((paper.path, first_path));
                    }
                }
            }
        }
        tracing::info!(papers = n, "committed");
        self.observer.committed(n, &self.tally);
        Ok(())
    }

    fn finish(self) -> Result<ScanSummary, ScanError> {
        let mut summary = self.summary;
        let all = self.store.batches()?;
        for id in &self.batch_ids {
            if let Some(b) = all.iter().find(|b| &b.batch_id == id) {
                summary.batches.push(BatchReport::verify(b, self.election));
            }
        }
        // The store's tally is the authority (it includes adjudications); the live one is
        // what the progress showed, and must agree with it on every paper counted now.
        summary.tally = self.store.tally(self.election)?;
        if summary.tally != self.tally {
            tracing::debug!("live tally differs from the store's (adjudication during the scan?)");
        }
        Ok(summary)
    }
}
