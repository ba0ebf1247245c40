//! What the reader says about one scanned page: either a [`Reading`] of a ballot paper of this
//! election, or a named reason it was set aside ([`Unreadable`]). These types are the contract
//! between the reader and everything downstream (pipeline, store, review, eval).

use ecount_election::{PaperKind, RejectionHead, SecondChoiceVoid, StyleCode, Vote};
use serde::{Deserialize, Serialize};

/// Paper (mm) to image (px) affine map: `x' = a x + b y + c`, `y' = d x + e y + f`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub e: f64,
    pub f: f64,
}

impl Transform {
    /// An upright paper at `ppm` pixels per millimetre, its corner at the image's origin.
    pub fn upright(ppm: f64) -> Self {
        Transform {
            a: ppm,
            b: 0.0,
            c: 0.0,
            d: 0.0,
            e: ppm,
            f: 0.0,
        }
    }

    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.a * x + self.b * y + self.c,
            self.d * x + self.e * y + self.f,
        )
    }

    /// Pixels per millimetre along the paper's x axis.
    pub fn scale(&self) -> f64 {
        (self.a * self.a + self.d * self.d).sqrt()
    }

    /// Rotation of the paper in the image, in degrees (about 180 for an upside-down feed).
    pub fn rotation_degrees(&self) -> f64 {
        self.d.atan2(self.a).to_degrees()
    }
}

/// How the reader classes one voting box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoxClass {
    Empty,
    Marked,
    /// Neither clearly empty nor clearly marked, or ink beside an empty box: a person decides.
    Doubtful,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoxReading {
    /// Option row, 0-based, in ballot order.
    pub row: u16,
    /// 0 = first (or only) column, 1 = Mayor second choice.
    pub column: u8,
    /// Mark-zone ink score in 0..1 (see docs/reading.md).
    pub score: f32,
    /// How dark the zone's ink is (its darkest quarter), from 0 at paper white to 1 at print
    /// black; 0 when the zone has no ink.
    #[serde(default)]
    pub darkness: f32,
    /// Halo ink score in 0..1.
    pub halo: f32,
    pub class: BoxClass,
    /// The box's outer corners in image pixels (top-left, top-right, bottom-right, bottom-left
    /// of the paper), so a review page can outline it.
    pub quad: [[f32; 2]; 4],
}

/// Ink where nothing is printed and no box's halo reaches: possibly identifying writing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrayInk {
    /// Bounding box on the paper, mm: x0, y0, x1, y1.
    pub paper_mm: [f32; 4],
    /// Inked area in mm².
    pub area_mm2: f32,
}

/// Why a paper needs a person to look at it. A paper with none is counted as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Flag {
    /// The rules make this paper void under `head` (London: a person examines every one).
    ApparentlyVoid { head: RejectionHead },
    /// A box the reader cannot class with confidence.
    DoubtfulBox { row: u16, column: u8, score: f32 },
    /// Ink next to, not in, an empty box.
    MarkBesideBox { row: u16, column: u8, halo: f32 },
    /// Writing away from every box: it may identify the voter.
    PossibleIdentifyingMark { area_mm2: f32 },
    /// A Mayor second choice that will not be counted, for a reason a person should confirm.
    SecondChoiceNotCounted { why: SecondChoiceVoid },
}

/// A paper of this election, read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub style: StyleCode,
    pub kind: PaperKind,
    /// Index into `Election::areas`.
    pub area: usize,
    /// Index into `Election::contests`.
    pub contest: usize,
    pub upside_down: bool,
    pub transform: Transform,
    /// Root-mean-square distance between found and fitted fiducial centres, in mm.
    pub residual_mm: f32,
    /// Every voting box, row by row, column 0 first.
    pub boxes: Vec<BoxReading>,
    pub stray_ink: Vec<StrayInk>,
    /// The machine's interpretation under the statutory rules.
    pub vote: Vote,
    /// Empty when the paper is clearly valid and can be counted unseen.
    pub flags: Vec<Flag>,
}

impl Reading {
    pub fn needs_adjudication(&self) -> bool {
        !self.flags.is_empty()
    }
}

/// Why a page was not read as a ballot of this election. Each variant carries what was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Unreadable {
    #[error("unreadable: cannot decode image: {message}")]
    DecodeFailed { message: String },
    #[error("unreadable: image {width}x{height} px exceeds the limits")]
    ImageTooLarge { width: u32, height: u32 },
    #[error("unreadable: image {width}x{height} px is too small for a ballot paper")]
    ImageTooSmall { width: u32, height: u32 },
    #[error("not a ballot: {detail}")]
    NotABallot { detail: String },
    #[error("unreadable: fiducial missing ({corner})")]
    FiducialMissing { corner: String, found: u8 },
    /// Fiducials fit a paper of this specification but no strip decodes either way up: not an
    /// official paper of this election (want of official mark); a person should see it.
    #[error("unreadable: code strip not found or does not decode")]
    CodeStripUnreadable { probable_kind: Option<PaperKind> },
    #[error("style code {code} is not a ballot style of this election")]
    StyleUnknown { code: u16 },
    /// The strip decodes but the paper's measured size does not match the style's layout.
    #[error("paper measures {measured_mm:.1} mm between fiducials, style {code} expects {expected_mm:.1} mm")]
    GeometryMismatch {
        code: u16,
        measured_mm: f32,
        expected_mm: f32,
    },
}

impl Unreadable {
    /// A short stable name for grouping and storage (`not_a_ballot`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::DecodeFailed { .. } => "decode_failed",
            Self::ImageTooLarge { .. } => "image_too_large",
            Self::ImageTooSmall { .. } => "image_too_small",
            Self::NotABallot { .. } => "not_a_ballot",
            Self::FiducialMissing { .. } => "fiducial_missing",
            Self::CodeStripUnreadable { .. } => "code_strip_unreadable",
            Self::StyleUnknown { .. } => "style_unknown",
            Self::GeometryMismatch { .. } => "geometry_mismatch",
        }
    }

    /// A page that looks like a paper of this specification but carries no valid style code
    /// of this election. Under the rules it is rejected for want of an official mark, after a
    /// person has examined it, so it goes to the review queue rather than straight aside.
    pub fn wants_official_mark_review(&self) -> bool {
        matches!(
            self,
            Self::CodeStripUnreadable { .. } | Self::StyleUnknown { .. }
        )
    }
}

/// The reader's answer for one page.
pub type Outcome = Result<Reading, Unreadable>;
