//! HTTP tests: sign-in, CSRF, roles, leases and the audit chain, through the real router.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use ecount_review::{router, Config, Shared};
use ecount_store::{CountStore, PaperStatus};
use tower::ServiceExt;

struct Resp {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    body: String,
}

async fn send(app: &Shared, req: Request<Body>) -> Resp {
    let res = router(app.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let cookies = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let body = axum::body::to_bytes(res.into_body(), 1 << 24)
        .await
        .unwrap();
    Resp {
        status,
        location,
        cookies,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

fn post(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap()
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies.iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (k, v) = first.split_once('=')?;
        (k == name && !v.is_empty()).then(|| format!("{k}={v}"))
    })
}

fn csrf_in(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    body[at..at + 64].to_string()
}

fn paper_on_page(body: &str) -> Option<i64> {
    let at = body.find("id=\"paper-title\">Paper ")? + 23;
    body[at..].split('<').next()?.parse().ok()
}

/// Signs in through the forms; returns the session cookie and the session's CSRF token.
async fn sign_in(app: &Shared, name: &str, password: &str) -> Option<(String, String)> {
    let page = send(app, get("/login", "")).await;
    assert_eq!(page.status, StatusCode::OK);
    let pre = cookie_value(&page.cookies, "ecount_login").expect("login cookie");
    let token = csrf_in(&page.body);
    let res = send(
        app,
        post(
            "/login",
            &pre,
            &format!(
                "csrf={token}&name={name}&password={}",
                password.replace(' ', "+")
            ),
        ),
    )
    .await;
    let session = cookie_value(&res.cookies, "ecount_session")?;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let set = res
        .cookies
        .iter()
        .find(|c| c.starts_with("ecount_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let home = send(app, get("/progress", &session)).await;
    Some((session.clone(), csrf_in(&home.body)))
}

#[tokio::test]
async fn sign_in_and_out() {
    let f = fixture(1, Config::default());
    let app = &f.app;
    // Not signed in: every page but sign-in sends you there.
    for path in [
        "/queue",
        "/cro",
        "/progress",
        "/progress.json",
        "/audit",
        "/paper/1",
        "/paper/1/image",
    ] {
        let r = send(app, get(path, "")).await;
        assert_eq!(r.location.as_deref(), Some("/login"), "{path}");
    }
    assert!(sign_in(app, "alice", "wrong password").await.is_none());
    assert!(sign_in(app, "nobody", PASSWORD).await.is_none());
    let (session, csrf) = sign_in(app, "alice", PASSWORD).await.expect("signs in");
    let q = send(app, get("/queue", &session)).await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("alice (clerk)"));
    // A forged session cookie is not a session.
    let r = send(
        app,
        get("/queue", &format!("ecount_session={}", "ab".repeat(32))),
    )
    .await;
    assert_eq!(r.location.as_deref(), Some("/login"));
    // Signing out ends the session server-side.
    let out = send(app, post("/logout", &session, &format!("csrf={csrf}"))).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    let r = send(app, get("/queue", &session)).await;
    assert_eq!(r.location.as_deref(), Some("/login"));
    // Sign-in is in the audit log.
    let entries = app.store.lock().unwrap().audit_entries(0, 100).unwrap();
    assert!(entries
        .iter()
        .any(|e| e.action == "sign_in" && e.actor == "alice"));
}

#[tokio::test]
async fn repeated_failures_lock_the_name_for_a_while() {
    let f = fixture(1, Config::default());
    for _ in 0..5 {
        assert!(sign_in(&f.app, "bob", "guess").await.is_none());
    }
    assert!(
        sign_in(&f.app, "bob", PASSWORD).await.is_none(),
        "locked even with the right password"
    );
    assert!(
        sign_in(&f.app, "alice", PASSWORD).await.is_some(),
        "other names unaffected"
    );
}

#[tokio::test]
async fn public_progress_is_read_only() {
    let f = fixture(
        1,
        Config {
            public_progress: true,
            ..Config::default()
        },
    );
    let r = send(&f.app, get("/progress", "")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"a0-scanned\">2<"), "{}", r.body);
    let j = send(&f.app, get("/progress.json", "")).await;
    let v: serde_json::Value = serde_json::from_str(&j.body).unwrap();
    assert_eq!(v["cells"]["a0-awaiting"], "1");
    assert_eq!(
        send(&f.app, get("/queue", "")).await.location.as_deref(),
        Some("/login")
    );
    let id = f.paper_ids[0];
    let r = send(
        &f.app,
        post(&format!("/paper/{id}/decide"), "", "action=accept"),
    )
    .await;
    assert_eq!(r.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let f = fixture(1, Config::default());
    let app = &f.app;
    let (session, csrf) = sign_in(app, "alice", PASSWORD).await.unwrap();
    let page = send(app, get("/queue", &session)).await;
    let id = paper_on_page(&page.body).expect("a paper is leased");
    let path = format!("/paper/{id}/decide");
    for form in [
        "action=accept".to_string(),
        format!("action=accept&csrf={}", "0".repeat(64)),
    ] {
        let r = send(app, post(&path, &session, &form)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{form}");
    }
    assert_eq!(
        app.store.lock().unwrap().paper(id).unwrap().status,
        PaperStatus::AwaitingReview
    );
    // Login without the form's cookie token is refused too.
    let r = send(
        app,
        post("/login", "", &format!("csrf={csrf}&name=alice&password=x")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // With the token the decision lands and the tally changes.
    let e = common::election();
    let before = app.store.lock().unwrap().tally(&e).unwrap();
    let r = send(
        app,
        post(
            &path,
            &session,
            &format!("action=correct&option=1&csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = app.store.lock().unwrap().tally(&e).unwrap();
    let (_, a, c) = {
        let s = e
            .styles
            .iter()
            .find(|s| s.kind == ecount_election::PaperKind::Constituency)
            .unwrap();
        (0, s.area, s.contest)
    };
    assert_eq!(after.papers(a, c), before.papers(a, c) + 1);
    assert_eq!(
        ecount_tally::shares(&after, a, c)[1].1,
        ecount_tally::shares(&before, a, c)[1].1 + 1
    );
}

#[tokio::test]
async fn roles_are_enforced_on_the_server() {
    let f = fixture(1, Config::default());
    let app = &f.app;
    let (clerk, clerk_csrf) = sign_in(app, "alice", PASSWORD).await.unwrap();
    let (cro, cro_csrf) = sign_in(app, "carol", PASSWORD).await.unwrap();
    assert_eq!(
        send(app, get("/cro", &clerk)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(app, get("/audit", &clerk)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(send(app, get("/audit", &cro)).await.status, StatusCode::OK);
    // The clerk proposes rejection; she cannot confirm it herself.
    let id = paper_on_page(&send(app, get("/queue", &clerk)).await.body).unwrap();
    let path = format!("/paper/{id}/decide");
    let r = send(
        app,
        post(
            &path,
            &clerk,
            &format!("action=reject&head=uncertain&note=faint&csrf={clerk_csrf}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for form in [
        "action=confirm",
        "action=overturn&option=1",
        "action=redecide&option=1",
    ] {
        let r = send(
            app,
            post(&path, &clerk, &format!("{form}&csrf={clerk_csrf}")),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{form}");
    }
    // The CRO sees the proposal and confirms it.
    let page = send(app, get("/cro", &cro)).await;
    assert_eq!(paper_on_page(&page.body), Some(id));
    assert!(
        page.body
            .contains("alice proposes: Rejected: Void for uncertainty"),
        "{}",
        page.body
    );
    let r = send(
        app,
        post(&path, &cro, &format!("action=confirm&csrf={cro_csrf}")),
    )
    .await;
    assert_eq!(r.location.as_deref(), Some("/cro"));
    let p = app.store.lock().unwrap().paper(id).unwrap();
    assert_eq!(p.status, PaperStatus::Adjudicated);
    assert_eq!(p.decisions.len(), 2);
    // The CRO can change a decided paper; the earlier decisions stay.
    let r = send(
        app,
        post(
            &path,
            &cro,
            &format!("action=redecide&option=2&note=recount&csrf={cro_csrf}"),
        ),
    )
    .await;
    assert_eq!(r.location, Some(format!("/paper/{id}")));
    let p = app.store.lock().unwrap().paper(id).unwrap();
    assert_eq!(p.decisions.len(), 3);
    assert_eq!(
        p.current().unwrap().vote,
        ecount_election::Vote::Single { option: 2 }
    );
}

#[tokio::test]
async fn two_clerks_never_get_the_same_paper() {
    let f = fixture(2, Config::default());
    let app = &f.app;
    let (alice, _) = sign_in(app, "alice", PASSWORD).await.unwrap();
    let (bob, bob_csrf) = sign_in(app, "bob", PASSWORD).await.unwrap();
    let a = paper_on_page(&send(app, get("/queue", &alice)).await.body).unwrap();
    let b = paper_on_page(&send(app, get("/queue", &bob)).await.body).unwrap();
    assert_ne!(a, b);
    // Reloading keeps the same paper.
    assert_eq!(
        paper_on_page(&send(app, get("/queue", &alice)).await.body),
        Some(a)
    );
    // Bob cannot decide Alice's paper.
    let r = send(
        app,
        post(
            &format!("/paper/{a}/decide"),
            &bob,
            &format!("action=accept&csrf={bob_csrf}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Carol (any third person) finds the queue empty while both leases run.
    let (carol, _) = sign_in(app, "carol", PASSWORD).await.unwrap();
    let page = send(app, get("/queue", &carol)).await;
    assert!(page.body.contains("id=\"queue-empty\""));
    // The page shows the image with every box outlined and the flag.
    let page = send(app, get("/queue", &alice)).await;
    assert_eq!(page.body.matches("<polygon class=\"box").count(), 3);
    assert!(page.body.contains("class=\"box doubtful flagged\""));
    assert!(page.body.contains("Doubtful mark beside"));
    let img = send(app, get(&format!("/paper/{a}/image"), &alice)).await;
    assert_eq!(img.status, StatusCode::OK);
    assert!(img.body.as_bytes().starts_with(b"\x89PNG") || img.body.starts_with("\u{FFFD}PNG"));
    // Filtering by a count centre with no papers gives nothing.
    let filtered = send(app, get("/queue?area=nowhere&centre=nowhere", &carol)).await;
    assert!(filtered.body.contains("id=\"queue-empty\""));
}

#[tokio::test]
async fn audit_page_shows_the_chain_and_its_breaks() {
    let f = fixture(1, Config::default());
    let app = &f.app;
    let (clerk, csrf) = sign_in(app, "alice", PASSWORD).await.unwrap();
    let id = paper_on_page(&send(app, get("/queue", &clerk)).await.body).unwrap();
    send(
        app,
        post(
            &format!("/paper/{id}/decide"),
            &clerk,
            &format!("action=accept&csrf={csrf}"),
        ),
    )
    .await;
    let (cro, _) = sign_in(app, "carol", PASSWORD).await.unwrap();
    let page = send(app, get("/audit", &cro)).await;
    assert!(page.body.contains("the chain verifies"), "{}", page.body);
    let report = app.store.lock().unwrap().verify_audit().unwrap();
    assert!(report.ok());
    assert_eq!(report.decisions_checked, 1);
    app.store
        .lock()
        .unwrap()
        .connection()
        .execute(
            "UPDATE audit_log SET actor = 'mallory' WHERE action = 'decision'",
            [],
        )
        .unwrap();
    let page = send(app, get("/audit", &cro)).await;
    assert!(page.body.contains("problem(s)"), "{}", page.body);
}

#[tokio::test]
async fn a_paper_without_a_style_goes_through_clerk_and_cro_then_the_count_declares() {
    let f = fixture(0, Config::default());
    let app = &f.app;
    let e = common::election();
    let img = f.dir.path().join("no-strip.png");
    common::write_paper_png(&img, 3, &[]);
    let id = {
        let mut s = app.store.lock().unwrap();
        let r = s
            .record_papers(&[ecount_store::PaperInput {
                batch_id: "box-1".into(),
                path: img.display().to_string(),
                sha256: "ab".repeat(32),
                outcome: Err(ecount_scan::Unreadable::CodeStripUnreadable {
                    probable_kind: Some(ecount_election::PaperKind::Constituency),
                }),
            }])
            .unwrap();
        match r[0] {
            ecount_store::Recorded::New { paper_id, .. } => paper_id,
            _ => panic!("new paper"),
        }
    };
    let (clerk, csrf) = sign_in(app, "alice", PASSWORD).await.unwrap();
    let decl = send(app, get("/declarations", &clerk)).await;
    assert!(decl.body.contains("Still waiting"), "{}", decl.body);
    let page = send(app, get("/queue", &clerk)).await;
    assert_eq!(paper_on_page(&page.body), Some(id));
    assert!(page.body.contains("No valid style code"));
    assert!(page.body.contains("Use this contest"));
    let contest = e
        .contests
        .iter()
        .position(|c| c.kind == ecount_election::ContestKind::FirstPastThePost)
        .unwrap();
    assert!(page
        .body
        .contains(&format!("name=\"paper_contest\" value=\"{contest}\"")));
    let r = send(
        app,
        post(
            &format!("/paper/{id}/decide"),
            &clerk,
            &format!("action=accept&paper_area=0&paper_contest={contest}&csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (cro, cro_csrf) = sign_in(app, "carol", PASSWORD).await.unwrap();
    let page = send(app, get("/cro", &cro)).await;
    assert!(
        page.body.contains("Want of an official mark"),
        "{}",
        page.body
    );
    let r = send(
        app,
        post(
            &format!("/paper/{id}/decide"),
            &cro,
            &format!("action=confirm&csrf={cro_csrf}"),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let t = app.store.lock().unwrap().tally(&e).unwrap();
    assert_eq!(
        t.papers(0, contest),
        2,
        "the counted paper and the rejected one"
    );
    // Nothing awaits: the declarations are out, with the rejection under its head.
    let decl = send(app, get("/declarations", &clerk)).await;
    assert!(decl.body.contains("id=\"declarations\""), "{}", decl.body);
    assert!(
        decl.body
            .contains("Rejected: Want of an official mark</td><td>1<"),
        "{}",
        decl.body
    );
    let text = send(app, get("/declarations.txt", &clerk)).await;
    assert_eq!(text.status, StatusCode::OK);
    assert!(!text.body.is_empty());
}

#[tokio::test]
async fn progress_narrows_to_a_count_centre_or_constituency() {
    let f = fixture(1, Config::default());
    let app = &f.app;
    let (s, _) = sign_in(app, "alice", PASSWORD).await.unwrap();
    let e = common::election();
    let all = send(app, get("/progress", &s)).await;
    assert!(all.body.contains(&format!("id=\"area-{}\"", e.areas[0].id)));
    let centre = send(
        app,
        get(&format!("/progress?centre={}", e.centres[0].id), &s),
    )
    .await;
    assert!(centre
        .body
        .contains(&format!("id=\"area-{}\"", e.areas[0].id)));
    assert!(
        centre.body.contains("id=\"c0-scanned\">2<"),
        "{}",
        centre.body
    );
    // Unknown ids narrow nothing.
    let none = send(app, get("/progress?area=nowhere&centre=nowhere", &s)).await;
    assert!(none
        .body
        .contains(&format!("id=\"area-{}\"", e.areas[0].id)));
}
