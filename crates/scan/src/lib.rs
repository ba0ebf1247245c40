//! Reads one scanned ballot paper. The stages run in order, each in its own module and each
//! taking the previous stage's type: decode -> register -> identify -> score -> interpret.
//!
//! The public surface is [`read_ballot`] (bytes to [`Outcome`]) and the [`reading`] types.

pub mod reading;

pub use reading::{BoxClass, BoxReading, Flag, Outcome, Reading, StrayInk, Transform, Unreadable};
