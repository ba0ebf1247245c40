//! What one paper says about one contest once the statutory rules have been applied, whether by
//! the reader or by a person at the review queue. The tally consumes only these.

use serde::{Deserialize, Serialize};

/// The statutory heads under which a paper is rejected (GLA Elections Rules), in the order the
/// returning officer reads them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionHead {
    /// No valid style code: not an official paper of this election.
    WantOfOfficialMark,
    /// Writing or mark by which the voter can be identified.
    IdentifyingMark,
    /// No vote at all (for the Mayor: no first choice).
    Unmarked,
    /// Void for uncertainty.
    Uncertain,
    /// Votes for more candidates than the voter is entitled to.
    TooMany,
}

impl RejectionHead {
    pub const ALL: [RejectionHead; 5] = [
        Self::WantOfOfficialMark,
        Self::IdentifyingMark,
        Self::Unmarked,
        Self::Uncertain,
        Self::TooMany,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WantOfOfficialMark => "want_of_official_mark",
            Self::IdentifyingMark => "identifying_mark",
            Self::Unmarked => "unmarked",
            Self::Uncertain => "uncertain",
            Self::TooMany => "too_many",
        }
    }

    /// As a declaration reads it out.
    pub fn label(self) -> &'static str {
        match self {
            Self::WantOfOfficialMark => "Want of an official mark",
            Self::IdentifyingMark => "Writing or mark by which the voter could be identified",
            Self::Unmarked => "Unmarked",
            Self::Uncertain => "Void for uncertainty",
            Self::TooMany => "Voting for more candidates than entitled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

impl std::fmt::Display for RejectionHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a Mayor paper's second choice is not counted, though the paper is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondChoiceVoid {
    Unmarked,
    Uncertain,
    TooMany,
    /// The same candidate as the first choice.
    SameAsFirst,
}

impl SecondChoiceVoid {
    pub const ALL: [SecondChoiceVoid; 4] = [
        Self::Unmarked,
        Self::Uncertain,
        Self::TooMany,
        Self::SameAsFirst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unmarked => "unmarked",
            Self::Uncertain => "uncertain",
            Self::TooMany => "too_many",
            Self::SameAsFirst => "same_as_first",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "value")]
pub enum SecondChoice {
    /// Option index in the contest.
    Counted(u16),
    NotCounted(SecondChoiceVoid),
}

/// One paper's effect on one contest. Option numbers are 0-based indices into the contest's
/// options, in ballot order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Vote {
    /// A valid supplementary-vote paper.
    Supplementary { first: u16, second: SecondChoice },
    /// A valid one-mark paper (constituency or London-wide).
    Single { option: u16 },
    /// A rejected paper.
    Rejected { head: RejectionHead },
}

impl Vote {
    pub fn is_valid(&self) -> bool {
        !matches!(self, Vote::Rejected { .. })
    }
}
