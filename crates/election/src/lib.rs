//! The election model: what is being counted, and the shape of the paper it is counted from.
//!
//! - [`definition`]: election definition files (TOML or JSON) and their validation.
//! - [`layout`]: the ballot-paper geometry of `spec/ballot-paper.md`, computed in this one place
//!   for both the renderer and the reader.
//! - [`code`]: the style code and its CRC-8 code strip.
//! - [`vote`]: what a paper says once read or adjudicated, in statutory terms.
//!
//! Every other crate depends on this one; it depends on none of them.

pub mod code;
pub mod definition;
pub mod layout;
pub mod manifest;
pub mod vote;

pub use code::{PaperKind, StyleCode};
pub use definition::{
    Area, BallotOption, Centre, Contest, ContestKind, DefinitionError, Election, OptionKind, Style,
};
pub use layout::PaperLayout;
pub use manifest::{Account, BatchManifest, MANIFEST_FILE};
pub use vote::{RejectionHead, SecondChoice, SecondChoiceVoid, Vote};
