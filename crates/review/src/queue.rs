//! The clerks' queue, the CRO's queue, the paper page and decisions.

use crate::auth::{check_csrf, require_user, User};
use crate::html::{self, esc};
use crate::image_view;
use crate::{now, ReviewError, Shared};
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use ecount_election::{ContestKind, Election, RejectionHead, SecondChoice, SecondChoiceVoid, Vote};
use ecount_scan::{BoxClass, Flag, Unreadable};
use ecount_store::{
    default_area_contest, CountStore, DecisionAction, DecisionInput, PaperDetail, PaperStatus,
    QueueFilter, Role, Stage,
};
use serde::Deserialize;
use serde_json::json;
use std::fmt::Write as _;

pub async fn home(State(app): State<Shared>, headers: HeaderMap) -> Response {
    match require_user(&app, &headers) {
        Ok(u) if u.role == Role::Cro => Redirect::to("/cro").into_response(),
        Ok(_) => Redirect::to("/queue").into_response(),
        Err(r) => r,
    }
}

/// Which part of the count a clerk works on (area or centre id), and, for a paper without a
/// style, which contest it is being decided for.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub centre: String,
    #[serde(default)]
    pub paper_area: Option<usize>,
    #[serde(default)]
    pub paper_contest: Option<usize>,
}

impl QueueQuery {
    fn filter(&self, e: &Election) -> QueueFilter {
        if let Some(a) = e.area_index(&self.area) {
            return QueueFilter {
                areas: Some(vec![a]),
            };
        }
        if let Some(c) = e.centres.iter().position(|c| c.id == self.centre) {
            let areas = (0..e.areas.len())
                .filter(|&a| e.areas[a].centre == Some(c))
                .collect();
            return QueueFilter { areas: Some(areas) };
        }
        QueueFilter::default()
    }

    /// The filter as a query string, rebuilt from known ids only.
    fn query_string(&self, e: &Election) -> String {
        if let Some(a) = e.area_index(&self.area) {
            format!("?area={}", e.areas[a].id)
        } else if let Some(c) = e.centres.iter().find(|c| c.id == self.centre) {
            format!("?centre={}", c.id)
        } else {
            String::new()
        }
    }

    fn hidden_fields(&self, e: &Election) -> String {
        let mut s = String::new();
        if let Some(a) = e.area_index(&self.area) {
            let _ = write!(
                s,
                "<input type=\"hidden\" name=\"area\" value=\"{}\">",
                esc(&e.areas[a].id)
            );
        } else if let Some(c) = e.centres.iter().find(|c| c.id == self.centre) {
            let _ = write!(
                s,
                "<input type=\"hidden\" name=\"centre\" value=\"{}\">",
                esc(&c.id)
            );
        }
        s
    }
}

fn filter_bar(e: &Election, q: &QueueQuery, action: &str) -> String {
    let mut opts = String::from("<option value=\"\">All constituencies</option>");
    for a in &e.areas {
        let sel = if a.id == q.area { " selected" } else { "" };
        let _ = write!(
            opts,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(&a.id),
            esc(&a.name)
        );
    }
    let mut centres = String::from("<option value=\"\">All count centres</option>");
    for c in &e.centres {
        let sel = if c.id == q.centre { " selected" } else { "" };
        let _ = write!(
            centres,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(&c.id),
            esc(&c.name)
        );
    }
    format!(
        "<form method=\"get\" action=\"{action}\" class=\"filter\">\
         <label>Constituency <select name=\"area\">{opts}</select></label>\
         <label>Count centre <select name=\"centre\">{centres}</select></label>\
         <button type=\"submit\">Filter</button></form>"
    )
}

pub async fn clerk_queue(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, ReviewError> {
    let user = match require_user(&app, &headers) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    next_paper(&app, &user, Stage::Clerk, &q)
}

pub async fn cro_queue(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, ReviewError> {
    let user = match require_user(&app, &headers) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    if user.role != Role::Cro {
        return Err(ReviewError::Forbidden(
            "the CRO queue is for the constituency returning officer".into(),
        ));
    }
    next_paper(&app, &user, Stage::Cro, &q)
}

fn next_paper(
    app: &Shared,
    user: &User,
    stage: Stage,
    q: &QueueQuery,
) -> Result<Response, ReviewError> {
    let e = &app.election;
    let filter = q.filter(e);
    let (leased, waiting) = {
        let mut store = app.store();
        let id = store.lease_next(e, &user.name, stage, &filter, now(), app.config.lease_secs)?;
        let detail = id.map(|id| store.paper(id)).transpose()?;
        (detail, store.queue(stage)?.len())
    };
    let action = match stage {
        Stage::Clerk => "/queue",
        Stage::Cro => "/cro",
    };
    let title = match stage {
        Stage::Clerk => "Adjudication queue",
        Stage::Cro => "Proposed rejections (CRO)",
    };
    let bar = format!(
        "<div class=\"queuebar\"><span id=\"waiting\">{waiting} waiting</span>{}</div>",
        filter_bar(e, q, action)
    );
    let body = match leased {
        Some(p) => {
            let mode = match stage {
                Stage::Clerk => Mode::Clerk,
                Stage::Cro => Mode::Cro,
            };
            format!("{bar}{}", render_paper(app, user, &p, mode, q))
        }
        None => format!(
            "{bar}<h1>{title}</h1><p id=\"queue-empty\">Nothing waiting{}. \
             New papers appear here as they are scanned.</p><p><a href=\"/progress\">Count progress</a></p>",
            if filter.areas.is_some() {
                " for this filter"
            } else {
                ""
            }
        ),
    };
    Ok(Html(html::page(title, Some(user), &body)).into_response())
}

pub async fn paper_page(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, ReviewError> {
    let user = match require_user(&app, &headers) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let p = app.store().paper(id)?;
    let body = render_paper(&app, &user, &p, Mode::View, &q);
    Ok(Html(html::page(&format!("Paper {id}"), Some(&user), &body)).into_response())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Clerk,
    Cro,
    View,
}

fn class_name(c: BoxClass) -> &'static str {
    match c {
        BoxClass::Empty => "empty",
        BoxClass::Marked => "marked",
        BoxClass::Doubtful => "doubtful",
    }
}

fn flag_text(e: &Election, contest: Option<usize>, f: &Flag) -> String {
    let opt = |row: u16| match contest {
        Some(c) => html::option_name(e, c, row),
        None => format!("row {}", row + 1),
    };
    let col = |c: u8| if c == 1 { " (second choice)" } else { "" };
    match f {
        Flag::ApparentlyVoid { head } => format!("Apparently void: {}", head.label()),
        Flag::DoubtfulBox { row, column, score } => format!(
            "Doubtful mark beside {}{}: ink score {score:.2}",
            opt(*row),
            col(*column)
        ),
        Flag::MarkBesideBox { row, column, halo } => format!(
            "Ink next to the box of {}{}: halo score {halo:.2}",
            opt(*row),
            col(*column)
        ),
        Flag::PossibleIdentifyingMark { area_mm2 } => {
            format!("Writing away from the boxes ({area_mm2:.0} mm²): it may identify the voter")
        }
        Flag::SecondChoiceNotCounted { why } => format!(
            "Second choice not counted: {}",
            why.as_str().replace('_', " ")
        ),
    }
}

fn unreadable_text(u: &Unreadable) -> String {
    match u {
        Unreadable::CodeStripUnreadable { probable_kind } => format!(
            "No valid style code (code strip unreadable){}: want of an official mark unless this is a genuine paper",
            probable_kind
                .map(|k| format!("; it looks like a {k:?} paper"))
                .unwrap_or_default()
        ),
        Unreadable::StyleUnknown { code } => format!(
            "Style code {code} is not a ballot style of this election: want of an official mark unless this is a genuine paper"
        ),
        other => other.to_string(),
    }
}

/// The scan with every box outlined and coloured by class, its score beside it, and any
/// stray ink boxed.
fn scan_svg(p: &PaperDetail) -> String {
    let (w, h) = match image_view::dimensions(&p.path) {
        Ok(d) => d,
        Err(e) => {
            return format!(
                "<p class=\"error\">The image cannot be shown: {}</p>",
                esc(&e)
            )
        }
    };
    let mut s = format!(
        "<svg class=\"scan\" id=\"scan\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"scanned paper\">\
         <image href=\"/paper/{}/image\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\"/>",
        p.id
    );
    if let Ok(r) = &p.outcome {
        let flagged: Vec<(u16, u8)> =
            r.flags
                .iter()
                .filter_map(|f| match f {
                    Flag::DoubtfulBox { row, column, .. }
                    | Flag::MarkBesideBox { row, column, .. } => Some((*row, *column)),
                    _ => None,
                })
                .collect();
        for b in &r.boxes {
            let pts: Vec<String> = b
                .quad
                .iter()
                .map(|[x, y]| format!("{x:.1},{y:.1}"))
                .collect();
            let xs = b.quad.iter().map(|q| q[0]);
            let ys: Vec<f32> = b.quad.iter().map(|q| q[1]).collect();
            let max_x = xs.fold(f32::MIN, f32::max);
            let min_y = ys.iter().copied().fold(f32::MAX, f32::min);
            let max_y = ys.iter().copied().fold(f32::MIN, f32::max);
            let size = ((max_y - min_y) * 0.45).max(10.0);
            let flag = if flagged.contains(&(b.row, b.column)) {
                " flagged"
            } else {
                ""
            };
            let _ = write!(
                s,
                "<polygon class=\"box {}{flag}\" points=\"{}\"><title>row {} column {}: {} {:.2}</title></polygon>\
                 <text class=\"score {}\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{size:.0}\">{:.2}</text>",
                class_name(b.class),
                pts.join(" "),
                b.row + 1,
                b.column + 1,
                class_name(b.class),
                b.score,
                class_name(b.class),
                max_x + size * 0.3,
                (min_y + max_y) / 2.0 + size * 0.35,
                b.score
            );
        }
        for ink in &r.stray_ink {
            let [x0, y0, x1, y1] = ink.paper_mm.map(f64::from);
            let pts: Vec<String> = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
                .iter()
                .map(|&(x, y)| {
                    let (u, v) = r.transform.apply(x, y);
                    format!("{u:.1},{v:.1}")
                })
                .collect();
            let _ = write!(
                s,
                "<polygon class=\"stray\" points=\"{}\"><title>stray ink {:.0} mm²</title></polygon>",
                pts.join(" "),
                ink.area_mm2
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The vote fields for `contest`, preset to `preset`.
fn vote_fields(e: &Election, contest: usize, preset: Option<&Vote>) -> String {
    let Some(c) = e.contests.get(contest) else {
        return String::new();
    };
    // Without a preset the clerk must choose: a blank first entry, and the form requires one.
    let options = |id: &str, label: &str, selected: Option<u16>, extra: &str| {
        let blank = if preset.is_none() {
            "<option value=\"\">— choose —</option>"
        } else {
            ""
        };
        let req = if preset.is_none() { " required" } else { "" };
        let mut s = format!("<label>{label} <select name=\"{id}\" id=\"{id}\"{req}>{blank}{extra}");
        for (i, o) in c.options.iter().enumerate() {
            let sel = if selected == Some(i as u16) {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                s,
                "<option value=\"{i}\"{sel}>{}. {}</option>",
                i + 1,
                esc(&o.name)
            );
        }
        s.push_str("</select></label>");
        s
    };
    match c.kind {
        ContestKind::SupplementaryVote => {
            let (first, second) = match preset {
                Some(Vote::Supplementary { first, second }) => (Some(*first), Some(*second)),
                _ => (None, None),
            };
            let mut extra = String::new();
            for v in SecondChoiceVoid::ALL {
                let sel = if second == Some(SecondChoice::NotCounted(v)) {
                    " selected"
                } else {
                    ""
                };
                let _ = write!(
                    extra,
                    "<option value=\"void:{}\"{sel}>Not counted: {}</option>",
                    v.as_str(),
                    v.as_str().replace('_', " ")
                );
            }
            let second_sel = match second {
                Some(SecondChoice::Counted(s)) => Some(s),
                _ => None,
            };
            format!(
                "{}{}",
                options("first", "First choice", first, ""),
                options("second", "Second choice", second_sel, &extra)
            )
        }
        _ => {
            let sel = match preset {
                Some(Vote::Single { option }) => Some(*option),
                _ => None,
            };
            options("option", "Vote for", sel, "")
        }
    }
}

fn head_select(preset: Option<RejectionHead>) -> String {
    let mut s = String::from(
        "<label>Head <select name=\"head\" id=\"head\" required>\
         <option value=\"\">— choose the head —</option>",
    );
    for h in RejectionHead::ALL {
        let sel = if preset == Some(h) { " selected" } else { "" };
        let _ = write!(
            s,
            "<option value=\"{}\"{sel}>{}</option>",
            h.as_str(),
            esc(h.label())
        );
    }
    s.push_str("</select></label>");
    s
}

fn render_paper(app: &Shared, user: &User, p: &PaperDetail, mode: Mode, q: &QueueQuery) -> String {
    let e = &app.election;
    let default = default_area_contest(e, p);
    // A paper without a style is decided for the contest the clerk names (default: the batch
    // area's contest of the probable kind).
    let styled = p.outcome.is_ok();
    let (area, contest) = match (&p.outcome, q.paper_area, q.paper_contest) {
        (Err(_), Some(a), Some(c)) if a < e.areas.len() && c < e.contests.len() => {
            (Some(a), Some(c))
        }
        _ => match p.proposal().or(p.current()) {
            Some(d) if !styled => (Some(d.area), Some(d.contest)),
            _ => (default.map(|d| d.0), default.map(|d| d.1)),
        },
    };
    let mut side = format!(
        "<h1 id=\"paper-title\">Paper {}</h1><dl class=\"facts\">",
        p.id
    );
    let file = std::path::Path::new(&p.path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.path.clone());
    let _ = write!(
        side,
        "<dt>Batch</dt><dd>{}</dd><dt>File</dt><dd title=\"{}\">{}</dd><dt>Status</dt><dd id=\"status\">{}</dd>",
        esc(&p.batch_id),
        esc(&p.path),
        esc(&file),
        p.status.as_str().replace('_', " ")
    );
    if let (Some(a), Some(c)) = (area, contest) {
        let _ = write!(
            side,
            "<dt>Contest</dt><dd>{} — {}</dd>",
            esc(&e.contests[c].title),
            esc(&e.areas[a].name)
        );
    }
    side.push_str("</dl><h2>Why it is here</h2><ul class=\"flags\" id=\"flags\">");
    match &p.outcome {
        Ok(r) => {
            for f in &r.flags {
                let _ = write!(side, "<li>{}</li>", esc(&flag_text(e, Some(r.contest), f)));
            }
            if r.flags.is_empty() {
                side.push_str("<li>Read without doubt (not in the queue)</li>");
            }
        }
        Err(u) => {
            let _ = write!(side, "<li>{}</li>", esc(&unreadable_text(u)));
        }
    }
    side.push_str("</ul><h2>Machine reading</h2>");
    let machine_vote = match &p.outcome {
        Ok(r) => Some(r.vote),
        Err(u) if u.wants_official_mark_review() => Some(Vote::Rejected {
            head: RejectionHead::WantOfOfficialMark,
        }),
        Err(_) => None,
    };
    match (&machine_vote, contest) {
        (Some(v), Some(c)) => {
            let _ = write!(
                side,
                "<p id=\"machine-vote\">{}</p>",
                esc(&html::describe_vote(e, c, v))
            );
        }
        _ => side.push_str("<p id=\"machine-vote\">No reading</p>"),
    }
    if let Ok(r) = &p.outcome {
        if r.upside_down {
            side.push_str("<p>Fed upside down (outlines follow the image).</p>");
        }
    }
    side.push_str(
        "<p class=\"legend\"><span class=\"k marked\">marked</span> <span class=\"k empty\">empty</span> \
         <span class=\"k doubtful\">doubtful</span> <span class=\"k flagged\">flagged box</span> \
         <span class=\"k stray\">stray ink</span></p>",
    );

    if let Some(prop) = p.proposal() {
        let _ = write!(
            side,
            "<h2>Proposal</h2><p id=\"proposal\">{} proposes: {}{}</p>",
            esc(&prop.actor),
            esc(&html::describe_vote(e, prop.contest, &prop.vote)),
            if prop.note.is_empty() {
                String::new()
            } else {
                format!(" — “{}”", esc(&prop.note))
            }
        );
    }

    let csrf = esc(&user.csrf);
    let hidden = q.hidden_fields(e);
    let ac_fields = match (styled, area, contest) {
        (false, Some(a), Some(c)) => format!(
            "<input type=\"hidden\" name=\"paper_area\" value=\"{a}\"><input type=\"hidden\" name=\"paper_contest\" value=\"{c}\">"
        ),
        _ => String::new(),
    };
    let form = |id: &str, action: &str, inner: &str, button: &str, key: &str, class: &str| {
        format!(
            "<form method=\"post\" action=\"/paper/{}/decide\" id=\"{id}-form\" class=\"decide {class}\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">{hidden}{ac_fields}\
             <input type=\"hidden\" name=\"action\" value=\"{action}\">{inner}\
             <button type=\"submit\" id=\"{id}\">{button} <kbd>{key}</kbd></button></form>",
            p.id
        )
    };
    let contest_chooser = |side: &mut String| {
        if styled {
            return;
        }
        let (Some(a), Some(c)) = (area, contest) else {
            return;
        };
        let mut s = format!(
            "<form method=\"get\" action=\"/paper/{}\" class=\"chooser\">",
            p.id
        );
        if mode != Mode::View {
            s = format!(
                "<form method=\"get\" action=\"{}\" class=\"chooser\">{hidden}",
                if mode == Mode::Cro { "/cro" } else { "/queue" }
            );
        }
        s.push_str("<label>Area <select name=\"paper_area\">");
        for (i, ar) in e.areas.iter().enumerate() {
            let sel = if i == a { " selected" } else { "" };
            let _ = write!(s, "<option value=\"{i}\"{sel}>{}</option>", esc(&ar.name));
        }
        s.push_str("</select></label><label>Contest <select name=\"paper_contest\">");
        for (i, co) in e.contests.iter().enumerate() {
            let sel = if i == c { " selected" } else { "" };
            let _ = write!(s, "<option value=\"{i}\"{sel}>{}</option>", esc(&co.title));
        }
        s.push_str("</select></label><button type=\"submit\">Use this contest</button></form>");
        side.push_str(&s);
    };
    match mode {
        Mode::Clerk => {
            side.push_str("<h2>Decision</h2>");
            contest_chooser(&mut side);
            let accept_label = match &machine_vote {
                Some(Vote::Rejected { .. }) => "Agree: propose rejection",
                _ => "Accept machine reading",
            };
            side.push_str(&form("accept", "accept", "", accept_label, "A", "primary"));
            if let Some(c) = contest {
                side.push_str(&form(
                    "correct",
                    "correct",
                    &vote_fields(e, c, machine_vote.as_ref().filter(|v| v.is_valid())),
                    "Record these votes",
                    "C",
                    "",
                ));
            }
            let preset = match &machine_vote {
                Some(Vote::Rejected { head }) => Some(*head),
                _ => None,
            };
            side.push_str(&form(
                "reject",
                "reject",
                &format!(
                    "{}<label>Note <input name=\"note\" id=\"note\" maxlength=\"500\"></label>",
                    head_select(preset)
                ),
                "Propose rejection",
                "R",
                "danger",
            ));
            let _ = write!(
                side,
                "<form method=\"post\" action=\"/paper/{}/release\" class=\"release\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <button type=\"submit\" id=\"release\">Give back and stop</button></form>",
                p.id
            );
        }
        Mode::Cro => {
            side.push_str("<h2>CRO decision</h2>");
            contest_chooser(&mut side);
            side.push_str(&form(
                "confirm",
                "confirm",
                "",
                "Confirm rejection",
                "K",
                "danger",
            ));
            if let Some(c) = contest {
                side.push_str(&form(
                    "overturn",
                    "overturn",
                    &vote_fields(e, c, None),
                    "Overturn: count these votes",
                    "O",
                    "primary",
                ));
            }
        }
        Mode::View => {
            if user.role == Role::Cro && p.status == PaperStatus::Adjudicated {
                if let Some(c) = contest {
                    side.push_str("<h2>Change the decision</h2>");
                    side.push_str(&form(
                        "redecide",
                        "redecide",
                        &format!(
                            "{}<label>Note <input name=\"note\" maxlength=\"500\" required></label>",
                            vote_fields(e, c, p.current().map(|d| &d.vote))
                        ),
                        "Record new decision",
                        "",
                        "",
                    ));
                    side.push_str(&form(
                        "redecide-reject",
                        "redecide_reject",
                        &format!(
                            "{}<label>Note <input name=\"note\" maxlength=\"500\" required></label>",
                            head_select(None)
                        ),
                        "Reject instead",
                        "",
                        "danger",
                    ));
                }
            }
        }
    }
    if !p.decisions.is_empty() {
        side.push_str("<h2>Decisions</h2><ol class=\"history\">");
        for d in &p.decisions {
            let _ = write!(
                side,
                "<li>{} {} ({}): {}{}</li>",
                esc(&fmt_time(d.decided_at)),
                esc(&d.actor),
                html::role_label(d.role),
                esc(&html::describe_vote(e, d.contest, &d.vote)),
                if d.is_final { "" } else { " — proposed" }
            );
        }
        side.push_str("</ol>");
    }
    side.push_str("<p class=\"help\">Keys: <kbd>A</kbd> accept · <kbd>C</kbd> record votes · \
        <kbd>1</kbd>–<kbd>9</kbd> first choice / vote · <kbd>Shift</kbd>+digit second choice · \
        <kbd>R</kbd> rejection head · <kbd>U</kbd>/<kbd>X</kbd>/<kbd>T</kbd>/<kbd>I</kbd>/<kbd>W</kbd> preset head \
        (unmarked, uncertain, too many, identifying mark, want of official mark) · \
        <kbd>K</kbd> confirm (CRO) · <kbd>O</kbd> overturn (CRO)</p>");
    format!(
        "<section class=\"paper-view\"><div class=\"image\">{}</div><div class=\"side\">{side}</div></section>",
        scan_svg(p)
    )
}

pub(crate) fn fmt_time(t: i64) -> String {
    // "2026-05-07 22:15:00 UTC", read more easily on screen than RFC 3339.
    ecount_tally::nist::rfc3339_utc(t)
        .replacen('T', " ", 1)
        .replace('Z', " UTC")
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    first: Option<String>,
    #[serde(default)]
    second: Option<String>,
    #[serde(default)]
    option: Option<String>,
    #[serde(default)]
    head: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    paper_area: Option<usize>,
    #[serde(default)]
    paper_contest: Option<usize>,
    #[serde(default)]
    area: String,
    #[serde(default)]
    centre: String,
}

fn bad(msg: &str) -> ReviewError {
    ReviewError::BadRequest(msg.into())
}

fn parse_u16(s: &Option<String>, what: &str) -> Result<u16, ReviewError> {
    s.as_deref()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| bad(&format!("choose the {what}")))
}

/// The vote the form's fields describe, for a contest of `kind`.
fn form_vote(kind: ContestKind, f: &DecideForm) -> Result<Vote, ReviewError> {
    match kind {
        ContestKind::SupplementaryVote => {
            let first = parse_u16(&f.first, "first choice")?;
            let second = match f.second.as_deref().map(str::trim) {
                Some(s) if s.starts_with("void:") => SecondChoice::NotCounted(
                    SecondChoiceVoid::ALL
                        .into_iter()
                        .find(|v| v.as_str() == &s[5..])
                        .ok_or_else(|| bad("unknown reason for a second choice not counted"))?,
                ),
                Some(s) => {
                    let n: u16 = s.parse().map_err(|_| bad("choose the second choice"))?;
                    if n == first {
                        SecondChoice::NotCounted(SecondChoiceVoid::SameAsFirst)
                    } else {
                        SecondChoice::Counted(n)
                    }
                }
                None => SecondChoice::NotCounted(SecondChoiceVoid::Unmarked),
            };
            Ok(Vote::Supplementary { first, second })
        }
        _ => Ok(Vote::Single {
            option: parse_u16(&f.option, "vote")?,
        }),
    }
}

fn form_head(f: &DecideForm) -> Result<RejectionHead, ReviewError> {
    f.head
        .as_deref()
        .and_then(RejectionHead::parse)
        .ok_or_else(|| bad("choose the head of rejection"))
}

pub async fn decide(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, ReviewError> {
    let user = match require_user(&app, &headers) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    check_csrf(&user, &f.csrf)?;
    let e = &app.election;
    let q = QueueQuery {
        area: f.area.clone(),
        centre: f.centre.clone(),
        paper_area: None,
        paper_contest: None,
    };
    let mut store = app.store();
    let paper = store.paper(id)?;
    // The contest the votes are for: the paper's own, else the one the clerk named.
    let (area, contest) = match (&paper.outcome, f.paper_area, f.paper_contest) {
        (Ok(r), _, _) => (r.area, r.contest),
        (Err(_), Some(a), Some(c)) if a < e.areas.len() && c < e.contests.len() => (a, c),
        (Err(_), _, _) => match paper.proposal().or(paper.current()) {
            Some(d) => (d.area, d.contest),
            None => default_area_contest(e, &paper)
                .ok_or_else(|| bad("name the area and contest of this paper"))?,
        },
    };
    let kind = e.contests[contest].kind;
    let cro_only = |what: &str| -> Result<(), ReviewError> {
        if user.role != Role::Cro {
            return Err(ReviewError::Forbidden(format!("only the CRO can {what}")));
        }
        Ok(())
    };
    let (action, back) = match f.action.as_str() {
        "accept" => (DecisionAction::Accept, "/queue"),
        "correct" => (
            DecisionAction::Correct {
                vote: form_vote(kind, &f)?,
            },
            "/queue",
        ),
        "reject" => (
            DecisionAction::ProposeRejection {
                head: form_head(&f)?,
            },
            "/queue",
        ),
        "confirm" => {
            cro_only("confirm a rejection")?;
            (DecisionAction::CroConfirm, "/cro")
        }
        "overturn" => {
            cro_only("overturn a rejection")?;
            (
                DecisionAction::CroOverturn {
                    vote: form_vote(kind, &f)?,
                },
                "/cro",
            )
        }
        "redecide" | "redecide_reject" => {
            cro_only("change a decided paper")?;
            let vote = if f.action == "redecide" {
                form_vote(kind, &f)?
            } else {
                Vote::Rejected {
                    head: form_head(&f)?,
                }
            };
            (DecisionAction::Redecide { vote }, "")
        }
        _ => return Err(bad("unknown decision")),
    };
    let shown = json!({
        "page": f.action,
        "status_shown": paper.status.as_str(),
        "image": paper.path,
        "proposal": paper.proposal().map(|d| json!({"by": d.actor, "vote": d.vote})),
    });
    let input = DecisionInput {
        paper_id: id,
        actor: user.name.clone(),
        role: user.role,
        action,
        area: Some(area),
        contest: Some(contest),
        shown,
        note: f.note.chars().take(500).collect(),
    };
    let result = store.decide(e, &input, now())?;
    drop(store);
    app.invalidate_progress();
    tracing::info!(paper = id, by = %user.name, vote = ?result.vote, final_ = result.is_final, "decision");
    let to = if back.is_empty() {
        format!("/paper/{id}")
    } else {
        format!("{back}{}", q.query_string(e))
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    csrf: String,
}

pub async fn release(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<ReleaseForm>,
) -> Result<Response, ReviewError> {
    let user = match require_user(&app, &headers) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    check_csrf(&user, &f.csrf)?;
    app.store().release_lease(id, &user.name)?;
    Ok(Redirect::to("/progress").into_response())
}

pub async fn audit_page(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ReviewError> {
    let user = match require_user(&app, &headers) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    if user.role != Role::Cro {
        return Err(ReviewError::Forbidden(
            "the audit log is for the CRO".into(),
        ));
    }
    let (report, entries) = {
        let store = app.store();
        let report = store.verify_audit()?;
        let from = (report.entries as i64 - 200).max(0);
        (report, store.audit_entries(from, 200)?)
    };
    let mut body = format!(
        "<h1>Audit log</h1><p id=\"audit-status\" class=\"{}\">{} entries, {} decisions checked: {}</p>\
         <p>Head hash <code id=\"audit-head\">{}</code> (note it down: it pins the whole history)</p>",
        if report.ok() { "ok" } else { "error" },
        report.entries,
        report.decisions_checked,
        if report.ok() {
            "the chain verifies".to_string()
        } else {
            format!("{} problem(s)", report.problems.len())
        },
        esc(&report.head)
    );
    if !report.ok() {
        body.push_str("<ul class=\"error\">");
        for p in &report.problems {
            let _ = write!(body, "<li>{}</li>", esc(p));
        }
        body.push_str("</ul>");
    }
    body.push_str("<table><thead><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Paper</th><th>Hash</th></tr></thead><tbody>");
    for en in entries.iter().rev() {
        let paper = en
            .paper_id
            .map(|p| format!("<a href=\"/paper/{p}\">{p}</a>"))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{paper}</td><td><code>{}</code></td></tr>",
            en.seq,
            esc(&fmt_time(en.at)),
            esc(&en.actor),
            esc(&en.action),
            esc(en.hash.get(..12).unwrap_or(&en.hash))
        );
    }
    body.push_str("</tbody></table>");
    Ok(Html(html::page("Audit", Some(&user), &body)).into_response())
}
