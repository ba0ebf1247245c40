//! Reads one scanned ballot paper. The stages run in order, each in its own module and each
//! taking the previous stage's type: decode -> register -> identify -> score -> interpret.
//!
//! The public surface is [`read_ballot`] (bytes to [`Outcome`]) and the [`reading`] types.

pub mod reading;

pub use reading::{BoxClass, BoxReading, Flag, Outcome, Reading, StrayInk, Transform, Unreadable};

use ecount_election::Election;

/// Reads one scanned page (PNG, JPEG or TIFF bytes) as a paper of `election`.
pub fn read_ballot(bytes: &[u8], election: &Election) -> Outcome {
    let _ = (bytes, election);
    Err(Unreadable::NotABallot {
        detail: "reader not built yet".into(),
    })
}
