//! Streaming tallies, the supplementary-vote run-off, first past the post, London-wide d'Hondt
//! and declarations.
//!
//! - [`accum`]: [`Tally`], dense counters per (area, contest) fed one vote at a time;
//!   add, remove and merge.
//! - [`rules`]: the counting rules of the GLA Act 1999 Sch. 2, with recorded lots.
//! - [`declare`](mod@declare): [`Declarations`] in text, CSV and JSON.
//! - [`nist`]: NIST SP 1500-100 v2 election results.
//! - [`replay`]: cast vote records rebuilt from the published 2016 counts.

pub mod accum;
pub mod declare;
pub mod nist;
pub mod replay;
pub mod rules;

pub use accum::{shares, Cell, Tally};
pub use declare::{declare, ContestResult, Declarations, LocalStatement, Outcome};
pub use nist::nist_election_results;
pub use rules::{DhondtStep, Figure, FptpOutcome, ListOutcome, LotDraw, SeatDecided, SvOutcome};
