//! Scans batch folders in parallel and routes readings to the tally, the review queue and the
//! set-aside pile.
//!
//! - [`walk`]: finds the batches (folders of page images, each with an optional manifest).
//! - [`scan()`]: hashes, decodes and reads pages on a bounded rayon pool and records them from
//!   one writer thread into a [`ecount_store::CountStore`], in transactions; the store routes
//!   each paper (counted, awaiting review, set aside) and keys it by content hash, so a re-scan
//!   or a resume after a crash neither loses nor double-counts.
//! - [`report`]: the run's summary, each batch verified against its ballot paper account, and
//!   provisional results.
//! - [`cvr`]: NIST SP 1500-103 cast vote records from the store.
//! - [`bench`]: throughput measurements (decode only, decode and read, whole scan).

pub mod bench;
pub mod cvr;
pub mod report;
pub mod scan;
pub mod walk;

pub use report::{provisional_text, BatchReport, Discrepancy, ScanSummary};
pub use scan::{read_guarded, scan, Observer, PaperEvent, Quiet, ScanError, ScanOptions};
