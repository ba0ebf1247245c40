//! Page frame and text helpers. Every piece of data is escaped on the way into HTML.

use crate::auth::User;
use ecount_election::{Election, RejectionHead, SecondChoice, Vote};
use ecount_store::Role;

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn page(title: &str, user: Option<&User>, body: &str) -> String {
    let nav = match user {
        Some(u) => {
            let cro = if u.role == Role::Cro {
                "<a href=\"/cro\">CRO queue</a><a href=\"/audit\">Audit</a>"
            } else {
                ""
            };
            format!(
                "<nav><a href=\"/queue\">Queue</a>{cro}<a href=\"/progress\">Progress</a>\
                 <a href=\"/declarations\">Declarations</a>\
                 <span class=\"who\">{} ({})</span>\
                 <form method=\"post\" action=\"/logout\" class=\"inline\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <button type=\"submit\">Sign out</button></form></nav>",
                esc(&u.name),
                role_label(u.role),
                esc(&u.csrf)
            )
        }
        None => "<nav><a href=\"/progress\">Progress</a><a href=\"/login\">Sign in</a></nav>"
            .to_string(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · ecount</title><link rel=\"stylesheet\" href=\"/static/app.css\">\
         <script src=\"/static/app.js\" defer></script></head>\
         <body><header><span class=\"brand\">ecount</span>{nav}</header><main>{body}</main></body></html>",
        esc(title)
    )
}

pub fn role_label(r: Role) -> &'static str {
    match r {
        Role::Clerk => "clerk",
        Role::Cro => "CRO",
    }
}

pub fn option_name(e: &Election, contest: usize, option: u16) -> String {
    e.contests
        .get(contest)
        .and_then(|c| c.options.get(usize::from(option)))
        .map(|o| o.name.clone())
        .unwrap_or_else(|| format!("option {}", option + 1))
}

/// A vote in words, as a clerk would say it.
pub fn describe_vote(e: &Election, contest: usize, v: &Vote) -> String {
    match v {
        Vote::Single { option } => format!("Vote for {}", option_name(e, contest, *option)),
        Vote::Supplementary { first, second } => {
            let second = match second {
                SecondChoice::Counted(s) => {
                    format!("second choice {}", option_name(e, contest, *s))
                }
                SecondChoice::NotCounted(why) => {
                    format!(
                        "second choice not counted ({})",
                        why.as_str().replace('_', " ")
                    )
                }
            };
            format!("First choice {}; {second}", option_name(e, contest, *first))
        }
        Vote::Rejected { head } => format!("Rejected: {}", head_label(*head)),
    }
}

pub fn head_label(h: RejectionHead) -> &'static str {
    h.label()
}
