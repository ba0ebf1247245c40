//! Election definition files and the validated, index-resolved [`Election`] they load into.
//! The format is documented in `docs/election-definition.md`.

use crate::code::{PaperKind, StyleCode};
use crate::layout::PaperLayout;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: cannot parse: {message}")]
    Parse { file: PathBuf, message: String },
    #[error("{file}: {field}: {message}")]
    Invalid {
        file: PathBuf,
        field: String,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContestKind {
    /// Mayor: first and second choice, run-off between the top two.
    SupplementaryVote,
    /// Constituency member: one seat, most votes wins.
    FirstPastThePost,
    /// London-wide members: d'Hondt over party lists and independents, with a threshold.
    AdditionalMember,
}

impl ContestKind {
    pub fn paper_kind(self) -> PaperKind {
        match self {
            Self::SupplementaryVote => PaperKind::Mayor,
            Self::FirstPastThePost => PaperKind::Constituency,
            Self::AdditionalMember => PaperKind::LondonWide,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OptionKind {
    #[default]
    Candidate,
    Party,
    Independent,
}

// ---- the file format ----

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionFile {
    pub election: ElectionHeader,
    #[serde(default)]
    pub centres: Vec<Centre>,
    pub areas: Vec<AreaEntry>,
    pub contests: Vec<ContestEntry>,
    #[serde(default)]
    pub styles: Vec<StyleEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionHeader {
    pub id: String,
    pub name: String,
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Centre {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaEntry {
    pub id: String,
    pub number: u8,
    pub name: String,
    pub centre: Option<String>,
    pub electorate: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestEntry {
    pub id: String,
    pub kind: ContestKind,
    pub title: String,
    /// Areas whose electors vote in it; omitted means every area.
    pub areas: Option<Vec<String>>,
    #[serde(default = "one")]
    pub seats: u32,
    /// Additional member only: share of all valid votes a party needs.
    pub threshold_percent: Option<f64>,
    /// Additional member only: the first-past-the-post contests whose seats count in the
    /// d'Hondt divisor.
    #[serde(default)]
    pub constituency_contests: Vec<String>,
    pub options: Vec<OptionEntry>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionEntry {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: OptionKind,
    /// A constituency candidate's list party (an option id of the additional-member contest).
    pub party: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleEntry {
    pub code: u16,
    pub contest: String,
    pub area: String,
}

// ---- the resolved model ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub id: String,
    pub number: u8,
    pub name: String,
    /// Index into [`Election::centres`].
    pub centre: Option<usize>,
    pub electorate: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BallotOption {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: OptionKind,
    /// Index into the additional-member contest's options.
    pub party: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contest {
    pub id: String,
    pub kind: ContestKind,
    pub title: String,
    /// Indices into [`Election::areas`].
    pub areas: Vec<usize>,
    pub seats: u32,
    pub threshold_percent: f64,
    /// Indices into [`Election::contests`].
    pub constituency_contests: Vec<usize>,
    pub options: Vec<BallotOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Style {
    pub code: StyleCode,
    pub kind: PaperKind,
    pub contest: usize,
    pub area: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Election {
    pub id: String,
    pub name: String,
    pub date: String,
    pub centres: Vec<Centre>,
    pub areas: Vec<Area>,
    pub contests: Vec<Contest>,
    pub styles: Vec<Style>,
}

impl Election {
    /// Loads a `.toml` or `.json` definition, naming the file and field of any error.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, DefinitionError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| DefinitionError::Io {
            file: path.to_owned(),
            source,
        })?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        Self::parse(&text, is_json, path)
    }

    /// Parses definition text; `file` is used only in error messages.
    pub fn parse(text: &str, json: bool, file: &Path) -> Result<Self, DefinitionError> {
        let parsed: DefinitionFile = if json {
            serde_json::from_str(text).map_err(|e| e.to_string())
        } else {
            toml::from_str(text).map_err(|e| e.to_string())
        }
        .map_err(|message| DefinitionError::Parse {
            file: file.to_owned(),
            message,
        })?;
        Self::from_file(parsed, file)
    }

    pub fn from_file(def: DefinitionFile, file: &Path) -> Result<Self, DefinitionError> {
        Resolver { file }.resolve(def)
    }

    pub fn style(&self, code: StyleCode) -> Option<&Style> {
        self.styles.iter().find(|s| s.code == code)
    }

    pub fn contest_index(&self, id: &str) -> Option<usize> {
        self.contests.iter().position(|c| c.id == id)
    }

    pub fn area_index(&self, id: &str) -> Option<usize> {
        self.areas.iter().position(|a| a.id == id)
    }

    pub fn area_by_number(&self, number: u8) -> Option<usize> {
        self.areas.iter().position(|a| a.number == number)
    }

    /// The geometry of a style's paper.
    pub fn layout(&self, style: &Style) -> PaperLayout {
        PaperLayout::new(style.kind, self.contests[style.contest].options.len())
    }

    /// The additional-member contest, if the election has one.
    pub fn list_contest(&self) -> Option<usize> {
        self.contests
            .iter()
            .position(|c| c.kind == ContestKind::AdditionalMember)
    }
}

struct Resolver<'a> {
    file: &'a Path,
}

impl Resolver<'_> {
    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> DefinitionError {
        DefinitionError::Invalid {
            file: self.file.to_owned(),
            field: field.into(),
            message: message.into(),
        }
    }

    fn unique<'s>(
        &self,
        what: &str,
        ids: impl Iterator<Item = &'s str>,
    ) -> Result<HashMap<&'s str, usize>, DefinitionError> {
        let mut map = HashMap::new();
        for (i, id) in ids.enumerate() {
            if id.trim().is_empty() {
                return Err(self.err(format!("{what}[{i}].id"), "empty id"));
            }
            if map.insert(id, i).is_some() {
                return Err(self.err(format!("{what}[{i}].id"), format!("duplicate id '{id}'")));
            }
        }
        Ok(map)
    }

    fn resolve(&self, def: DefinitionFile) -> Result<Election, DefinitionError> {
        let centre_ix = self.unique("centres", def.centres.iter().map(|c| c.id.as_str()))?;
        let area_ix = self.unique("areas", def.areas.iter().map(|a| a.id.as_str()))?;
        let contest_ix = self.unique("contests", def.contests.iter().map(|c| c.id.as_str()))?;
        if def.areas.is_empty() {
            return Err(self.err("areas", "an election needs at least one area"));
        }
        if def.contests.is_empty() {
            return Err(self.err("contests", "an election needs at least one contest"));
        }

        let mut numbers = HashSet::new();
        let mut areas = Vec::with_capacity(def.areas.len());
        for (i, a) in def.areas.iter().enumerate() {
            if a.number == 0 {
                return Err(self.err(format!("areas[{i}].number"), "area numbers run 1..255"));
            }
            if !numbers.insert(a.number) {
                return Err(self.err(
                    format!("areas[{i}].number"),
                    format!("area number {} used twice", a.number),
                ));
            }
            let centre = match &a.centre {
                Some(c) => Some(*centre_ix.get(c.as_str()).ok_or_else(|| {
                    self.err(
                        format!("areas[{i}].centre"),
                        format!("unknown centre '{c}'"),
                    )
                })?),
                None => None,
            };
            areas.push(Area {
                id: a.id.clone(),
                number: a.number,
                name: a.name.clone(),
                centre,
                electorate: a.electorate,
            });
        }

        let list_contests: Vec<usize> = def
            .contests
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == ContestKind::AdditionalMember)
            .map(|(i, _)| i)
            .collect();
        if list_contests.len() > 1 {
            return Err(self.err("contests", "at most one additional-member contest"));
        }
        let party_ix = match list_contests.first() {
            Some(&i) => Some(self.unique(
                &format!("contests[{i}].options"),
                def.contests[i].options.iter().map(|o| o.id.as_str()),
            )?),
            None => None,
        };

        let mut contests = Vec::with_capacity(def.contests.len());
        for (ci, c) in def.contests.iter().enumerate() {
            let at = |f: &str| format!("contests[{ci}] ({}).{f}", c.id);
            if c.options.is_empty() {
                return Err(self.err(at("options"), "a contest needs at least one option"));
            }
            if c.options.len() > 40 {
                return Err(self.err(at("options"), "more than 40 options will not fit a paper"));
            }
            self.unique(&at("options"), c.options.iter().map(|o| o.id.as_str()))?;
            if c.seats == 0 {
                return Err(self.err(at("seats"), "a contest fills at least one seat"));
            }
            if c.kind != ContestKind::AdditionalMember && c.seats != 1 {
                return Err(self.err(
                    at("seats"),
                    "only the additional-member contest has more than one seat",
                ));
            }
            let areas_of = match &c.areas {
                None => (0..areas.len()).collect(),
                Some(ids) => {
                    let mut v = Vec::new();
                    for (k, id) in ids.iter().enumerate() {
                        v.push(*area_ix.get(id.as_str()).ok_or_else(|| {
                            self.err(at(&format!("areas[{k}]")), format!("unknown area '{id}'"))
                        })?);
                    }
                    if v.is_empty() {
                        return Err(self.err(at("areas"), "empty area list"));
                    }
                    v
                }
            };
            let mut constituency_contests = Vec::new();
            for (k, id) in c.constituency_contests.iter().enumerate() {
                let field = at(&format!("constituency_contests[{k}]"));
                let &ix = contest_ix
                    .get(id.as_str())
                    .ok_or_else(|| self.err(&field, format!("unknown contest '{id}'")))?;
                if def.contests[ix].kind != ContestKind::FirstPastThePost {
                    return Err(self.err(field, format!("'{id}' is not first past the post")));
                }
                constituency_contests.push(ix);
            }
            if c.kind != ContestKind::AdditionalMember && !c.constituency_contests.is_empty() {
                return Err(self.err(
                    at("constituency_contests"),
                    "only for additional-member contests",
                ));
            }
            let threshold_percent = c.threshold_percent.unwrap_or(0.0);
            if !(0.0..100.0).contains(&threshold_percent) {
                return Err(self.err(at("threshold_percent"), "must be in 0..100"));
            }
            let mut options = Vec::with_capacity(c.options.len());
            for (oi, o) in c.options.iter().enumerate() {
                let of = |f: &str| at(&format!("options[{oi}] ({}).{f}", o.id));
                if o.name.trim().is_empty() {
                    return Err(self.err(of("name"), "empty name"));
                }
                let kind_ok = match c.kind {
                    ContestKind::AdditionalMember => o.kind != OptionKind::Candidate,
                    _ => o.kind == OptionKind::Candidate,
                };
                if !kind_ok {
                    return Err(self.err(
                        of("kind"),
                        "list contests take parties and independents; others take candidates",
                    ));
                }
                let party = match (&o.party, &party_ix) {
                    (None, _) => None,
                    (Some(p), Some(ix)) => Some(*ix.get(p.as_str()).ok_or_else(|| {
                        self.err(of("party"), format!("unknown list party '{p}'"))
                    })?),
                    (Some(_), None) => {
                        return Err(
                            self.err(of("party"), "no additional-member contest to refer to")
                        )
                    }
                };
                options.push(BallotOption {
                    id: o.id.clone(),
                    name: o.name.clone(),
                    description: o.description.clone(),
                    kind: o.kind,
                    party,
                });
            }
            contests.push(Contest {
                id: c.id.clone(),
                kind: c.kind,
                title: c.title.clone(),
                areas: areas_of,
                seats: c.seats,
                threshold_percent,
                constituency_contests,
                options,
            });
        }

        let mut codes = HashSet::new();
        let mut covered = HashSet::new();
        let mut styles = Vec::with_capacity(def.styles.len());
        for (si, s) in def.styles.iter().enumerate() {
            let at = |f: &str| format!("styles[{si}] (code {}).{f}", s.code);
            let &contest = contest_ix.get(s.contest.as_str()).ok_or_else(|| {
                self.err(at("contest"), format!("unknown contest '{}'", s.contest))
            })?;
            let &area = area_ix
                .get(s.area.as_str())
                .ok_or_else(|| self.err(at("area"), format!("unknown area '{}'", s.area)))?;
            if !contests[contest].areas.contains(&area) {
                return Err(self.err(
                    at("area"),
                    format!(
                        "contest '{}' is not voted on in area '{}'",
                        s.contest, s.area
                    ),
                ));
            }
            let kind = contests[contest].kind.paper_kind();
            let expected = StyleCode::new(kind, areas[area].number);
            if s.code != expected.0 {
                return Err(self.err(
                    at("code"),
                    format!(
                        "a {kind:?} paper of area {} has code {} (256 x kind + area)",
                        areas[area].number, expected.0
                    ),
                ));
            }
            if !codes.insert(s.code) {
                return Err(self.err(at("code"), format!("style code {} used twice", s.code)));
            }
            covered.insert((contest, area));
            styles.push(Style {
                code: expected,
                kind,
                contest,
                area,
            });
        }
        for (ci, c) in contests.iter().enumerate() {
            if let Some(&a) = c.areas.iter().find(|&&a| !covered.contains(&(ci, a))) {
                return Err(self.err(
                    "styles",
                    format!(
                        "no ballot style for contest '{}' in area '{}'",
                        c.id, areas[a].id
                    ),
                ));
            }
        }

        Ok(Election {
            id: def.election.id,
            name: def.election.name,
            date: def.election.date,
            centres: def.centres,
            areas,
            contests,
            styles,
        })
    }
}
