//! Progress per count centre and constituency, provisional shares, and the declarations.

use crate::auth::{current_user, User};
use crate::html::{self, esc};
use crate::svg;
use crate::{ReviewError, Shared};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use ecount_store::{AreaProgress, CountStore};
use ecount_tally::{declare, shares, Declarations, Tally};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::sync::Arc;

/// Signed-in users, or anyone when the progress pages are public.
#[allow(clippy::result_large_err)]
fn viewer(
    app: &Shared,
    headers: &HeaderMap,
) -> Result<Result<Option<User>, Response>, ReviewError> {
    let user = current_user(app, headers)?;
    if user.is_none() && !app.config.public_progress {
        return Ok(Err(Redirect::to("/login").into_response()));
    }
    Ok(Ok(user))
}

pub struct Snapshot {
    progress: Vec<AreaProgress>,
    tally: Tally,
}

/// How long a progress snapshot is reused: many screens poll, and the store's aggregate
/// queries take a while on a large count (a decision here clears it at once).
const SNAPSHOT_TTL: std::time::Duration = std::time::Duration::from_secs(2);

fn snapshot(app: &Shared) -> Result<Arc<Snapshot>, ReviewError> {
    let mut cache = app.snapshot.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((at, s)) = cache.as_ref() {
        if at.elapsed() < SNAPSHOT_TTL {
            return Ok(s.clone());
        }
    }
    let s = {
        let store = app.store();
        Arc::new(Snapshot {
            progress: store.progress(&app.election)?,
            tally: store.tally(&app.election)?,
        })
    };
    *cache = Some((std::time::Instant::now(), s.clone()));
    Ok(s)
}

fn complete(p: &AreaProgress) -> bool {
    p.scanned > 0 && p.awaiting_review == 0 && p.awaiting_cro == 0
}

/// Every value the page shows that changes, keyed by element id.
fn cells(app: &Shared, s: &Snapshot) -> (Map<String, Value>, Map<String, Value>) {
    let e = &app.election;
    let mut cells = Map::new();
    let mut charts = Map::new();
    let mut total = [0u64; 6];
    for p in &s.progress {
        let a = p.area;
        let vals = [
            p.scanned,
            p.read,
            p.awaiting_review,
            p.awaiting_cro,
            p.adjudicated,
            p.set_aside,
        ];
        for (i, name) in COLUMNS.iter().enumerate() {
            cells.insert(format!("a{a}-{name}"), json!(vals[i].to_string()));
            total[i] += vals[i];
        }
        let state = if complete(p) {
            "complete"
        } else if p.scanned == 0 {
            "not started"
        } else {
            "in progress"
        };
        cells.insert(format!("a{a}-state"), json!(state));
        for (c, contest) in e.contests.iter().enumerate() {
            if !contest.areas.contains(&a) {
                continue;
            }
            let rows: Vec<(String, u64)> = shares(&s.tally, a, c)
                .into_iter()
                .map(|(o, n)| (html::option_name(e, c, o as u16), n))
                .collect();
            let id = format!("chart-a{a}-c{c}");
            charts.insert(
                id.clone(),
                json!(svg::bar_chart(&id, &contest.title, &rows)),
            );
        }
    }
    for (i, name) in COLUMNS.iter().enumerate() {
        cells.insert(format!("total-{name}"), json!(total[i].to_string()));
    }
    for ci in 0..e.centres.len() {
        let mut sum = [0u64; 6];
        for p in s
            .progress
            .iter()
            .filter(|p| e.areas[p.area].centre == Some(ci))
        {
            let vals = [
                p.scanned,
                p.read,
                p.awaiting_review,
                p.awaiting_cro,
                p.adjudicated,
                p.set_aside,
            ];
            for (i, v) in vals.iter().enumerate() {
                sum[i] += v;
            }
        }
        for (i, name) in COLUMNS.iter().enumerate() {
            cells.insert(format!("c{ci}-{name}"), json!(sum[i].to_string()));
        }
    }
    (cells, charts)
}

const COLUMNS: [&str; 6] = ["scanned", "read", "awaiting", "cro", "adjudicated", "aside"];

pub async fn progress_json(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ReviewError> {
    if let Err(r) = viewer(&app, &headers)? {
        return Ok(r);
    }
    let s = snapshot(&app)?;
    let (cells, charts) = cells(&app, &s);
    Ok(axum::Json(json!({"cells": cells, "charts": charts})).into_response())
}

/// `?centre=ID` or `?area=ID` narrows the page to one count centre or constituency.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ProgressQuery {
    #[serde(default)]
    centre: String,
    #[serde(default)]
    area: String,
}

pub async fn progress_page(
    State(app): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<ProgressQuery>,
) -> Result<Response, ReviewError> {
    let user = match viewer(&app, &headers)? {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let e = &app.election;
    let s = snapshot(&app)?;
    let (cells, charts) = cells(&app, &s);
    let cell = |id: String| -> String {
        let v = cells.get(&id).and_then(|v| v.as_str()).unwrap_or("");
        format!("<td id=\"{id}\">{}</td>", esc(v))
    };
    let head = "<tr><th>Constituency</th><th>Scanned</th><th>Read</th><th>Awaiting review</th>\
                <th>Awaiting CRO</th><th>Adjudicated</th><th>Set aside</th><th>State</th></tr>";
    let mut body = String::from(
        "<h1>Count progress</h1><p class=\"live\" id=\"progress\" data-poll=\"/progress.json\">\
         Updates every few seconds. Shares are provisional until each constituency is complete.</p>",
    );
    // Centres in definition order, then areas with no centre.
    let mut groups: Vec<(Option<usize>, String, Vec<usize>)> = e
        .centres
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            (
                Some(ci),
                c.name.clone(),
                (0..e.areas.len())
                    .filter(|&a| e.areas[a].centre == Some(ci))
                    .collect(),
            )
        })
        .collect();
    let loose: Vec<usize> = (0..e.areas.len())
        .filter(|&a| e.areas[a].centre.is_none())
        .collect();
    if !loose.is_empty() {
        groups.push((None, "Other constituencies".into(), loose));
    }
    let mut links =
        String::from("<p class=\"centres\">Count centres: <a href=\"/progress\">all</a>");
    for c in &e.centres {
        let _ = write!(
            links,
            " · <a href=\"/progress?centre={0}\">{1}</a>",
            esc(&c.id),
            esc(&c.name)
        );
    }
    links.push_str("</p>");
    body.push_str(&links);
    if let Some(ci) = e.centres.iter().position(|c| c.id == q.centre) {
        groups.retain(|g| g.0 == Some(ci));
    } else if let Some(a) = e.area_index(&q.area) {
        for g in &mut groups {
            g.2.retain(|&x| x == a);
        }
    }
    body.push_str("<table class=\"progress\"><thead>");
    body.push_str(head);
    body.push_str("</thead><tbody>");
    let mut total_row = String::from("<tr class=\"total\"><th>All</th>");
    for name in COLUMNS {
        total_row.push_str(&cell(format!("total-{name}")));
    }
    total_row.push_str("<td></td></tr>");
    for (centre, name, areas) in &groups {
        if areas.is_empty() {
            continue;
        }
        match centre {
            Some(ci) => {
                let _ = write!(body, "<tr class=\"centre\"><th>{}</th>", esc(name));
                for col in COLUMNS {
                    body.push_str(&cell(format!("c{ci}-{col}")));
                }
                body.push_str("<td></td></tr>");
            }
            None => {
                let _ = write!(
                    body,
                    "<tr class=\"centre\"><th colspan=\"8\">{}</th></tr>",
                    esc(name)
                );
            }
        }
        for &a in areas {
            let _ = write!(
                body,
                "<tr><th><a href=\"#area-{}\">{}</a></th>",
                esc(&e.areas[a].id),
                esc(&e.areas[a].name)
            );
            for name in COLUMNS {
                body.push_str(&cell(format!("a{a}-{name}")));
            }
            body.push_str(&cell(format!("a{a}-state")));
            body.push_str("</tr>");
        }
    }
    body.push_str(&total_row);
    body.push_str("</tbody></table>");
    for (_, name, areas) in &groups {
        if areas.is_empty() {
            continue;
        }
        let _ = write!(body, "<h2>{}</h2>", esc(name));
        for &a in areas {
            // Constituencies with papers are open; the others fold away (still updated live).
            let open = if s.progress[a].scanned > 0 {
                " open"
            } else {
                ""
            };
            let _ = write!(
                body,
                "<details class=\"area\" id=\"area-{}\"{open}><summary>{}</summary><div class=\"charts\">",
                esc(&e.areas[a].id),
                esc(&e.areas[a].name)
            );
            for c in 0..e.contests.len() {
                let id = format!("chart-a{a}-c{c}");
                if let Some(svg) = charts.get(&id).and_then(|v| v.as_str()) {
                    let _ = write!(
                        body,
                        "<div class=\"chart-box\" data-chart=\"{id}\">{svg}</div>"
                    );
                }
            }
            body.push_str("</div>");
            if complete(&s.progress[a]) {
                let _ = write!(
                    body,
                    "<p>Complete: <a href=\"/declarations#local-{}\">local statement</a></p>",
                    esc(&e.areas[a].id)
                );
            }
            body.push_str("</details>");
        }
    }
    Ok(Html(html::page("Progress", user.as_ref(), &body)).into_response())
}

fn local_statements(app: &Shared, d: &Declarations, s: &Snapshot) -> String {
    let e = &app.election;
    let mut out = String::new();
    for p in s.progress.iter().filter(|p| complete(p)) {
        let a = p.area;
        let _ = write!(
            out,
            "<section class=\"local\" id=\"local-{}\"><h2>{}: local statement</h2>",
            esc(&e.areas[a].id),
            esc(&e.areas[a].name)
        );
        for l in d.local.iter().filter(|l| l.area == a) {
            let _ = write!(
                out,
                "<h3>{}</h3><table><thead><tr><th>Option</th><th>Votes</th></tr></thead><tbody>",
                esc(&l.contest_title)
            );
            for (o, n) in l.votes.iter().enumerate() {
                let elected = if l.elected == Some(o) {
                    " <strong>elected</strong>"
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    "<tr><td>{}{elected}</td><td>{n}</td></tr>",
                    esc(&html::option_name(e, l.contest, o as u16))
                );
            }
            let _ = write!(out, "<tr><th>Valid</th><th>{}</th></tr>", l.valid);
            for (h, n) in &l.rejected {
                let _ = write!(
                    out,
                    "<tr><td>Rejected: {}</td><td>{n}</td></tr>",
                    esc(h.label())
                );
            }
            let _ = write!(
                out,
                "<tr><th>Rejected in total</th><th>{}</th></tr><tr><th>Ballot papers counted</th><th>{}</th></tr></tbody></table>",
                l.rejected_total, l.papers
            );
        }
        out.push_str("</section>");
    }
    out
}

pub async fn declarations_page(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ReviewError> {
    let user = match viewer(&app, &headers)? {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let s = snapshot(&app)?;
    let d = declare(&app.election, &s.tally, app.config.lot_seed);
    let waiting: Vec<&AreaProgress> = s
        .progress
        .iter()
        .filter(|p| p.awaiting_review + p.awaiting_cro > 0)
        .collect();
    let mut body = String::from("<h1>Declarations</h1>");
    if waiting.is_empty() && s.progress.iter().any(|p| p.scanned > 0) {
        let _ = write!(
            body,
            "<p id=\"declaration-state\">No paper awaits adjudication. \
             <a href=\"/declarations.txt\">Plain text</a></p><pre id=\"declarations\">{}</pre>",
            esc(&d.to_text())
        );
    } else {
        body.push_str(
            "<p id=\"declaration-state\">The results are declared once no paper awaits adjudication. Still waiting:</p><ul>",
        );
        for p in &waiting {
            let _ = write!(
                body,
                "<li>{}: {} awaiting review, {} awaiting the CRO</li>",
                esc(&app.election.areas[p.area].name),
                p.awaiting_review,
                p.awaiting_cro
            );
        }
        body.push_str("</ul>");
    }
    body.push_str(&local_statements(&app, &d, &s));
    Ok(Html(html::page("Declarations", user.as_ref(), &body)).into_response())
}

pub async fn declarations_text(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ReviewError> {
    if let Err(r) = viewer(&app, &headers)? {
        return Ok(r);
    }
    let s = snapshot(&app)?;
    if s.progress
        .iter()
        .any(|p| p.awaiting_review + p.awaiting_cro > 0)
    {
        return Err(ReviewError::BadRequest(
            "papers still await adjudication: no declaration yet".into(),
        ));
    }
    let d = declare(&app.election, &s.tally, app.config.lot_seed);
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        d.to_text(),
    )
        .into_response())
}
