//! Sign-in (argon2 password hashes), sessions (random token in an HttpOnly, SameSite=Strict
//! cookie; only its SHA-256 is stored), CSRF tokens (one per session, required on every POST).

use crate::{html, now, ReviewError, Shared};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use ecount_store::{CountStore, Role, SessionRow};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "ecount_session";
pub const LOGIN_COOKIE: &str = "ecount_login";
/// Failed sign-ins after which a name is locked for `LOCK_SECS`.
const MAX_FAILURES: u32 = 5;
const LOCK_SECS: i64 = 60;

/// A PHC-format argon2id hash with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Reads a password from the terminal without echoing it.
pub fn prompt_password(prompt: &str) -> std::io::Result<String> {
    rpassword::prompt_password(prompt)
}

pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares without stopping at the first difference.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn set_cookie(app: &Shared, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub csrf: String,
    token_hash: String,
}

pub(crate) fn current_user(app: &Shared, headers: &HeaderMap) -> Result<Option<User>, ReviewError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let th = token_hash(&token);
    let store = app.store();
    let Some(s) = store.session(&th, now())? else {
        return Ok(None);
    };
    let Some(u) = store.user(&s.user_name)? else {
        return Ok(None);
    };
    Ok(Some(User {
        name: u.name,
        role: u.role,
        csrf: s.csrf,
        token_hash: th,
    }))
}

/// The signed-in user, or a redirect to the sign-in page.
// The redirect is the natural 'error' of this guard; it is built once per request.
#[allow(clippy::result_large_err)]
pub(crate) fn require_user(app: &Shared, headers: &HeaderMap) -> Result<User, Response> {
    match current_user(app, headers) {
        Ok(Some(u)) => Ok(u),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(e) => Err(e.into_response()),
    }
}

/// Rejects a state-changing request whose form token is not the session's.
pub(crate) fn check_csrf(user: &User, submitted: &str) -> Result<(), ReviewError> {
    if submitted.is_empty() || !same(&user.csrf, submitted) {
        return Err(ReviewError::Forbidden(
            "the form's security token is missing or stale: reload the page and try again".into(),
        ));
    }
    Ok(())
}

pub async fn login_page(State(app): State<Shared>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = current_user(&app, &headers) {
        return Redirect::to("/").into_response();
    }
    let token = random_token();
    login_form(&app, &token, None)
}

fn login_form(app: &Shared, token: &str, error: Option<&str>) -> Response {
    let err = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", html::esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1>{err}
<form method=\"post\" action=\"/login\" class=\"login\">
<input type=\"hidden\" name=\"csrf\" value=\"{token}\">
<label>Name <input name=\"name\" id=\"name\" autocomplete=\"username\" required autofocus></label>
<label>Password <input name=\"password\" id=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>
<button type=\"submit\" id=\"sign-in\">Sign in</button>
</form>
<p><a href=\"/progress\">Count progress</a></p>"
    );
    let mut res = Html(html::page("Sign in", None, &body)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(app, LOGIN_COOKIE, token, 1800),
    );
    res
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(app): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, ReviewError> {
    // Login CSRF: the form's token must match the cookie set with the form.
    let pre = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if pre.is_empty() || !same(&pre, &f.csrf) {
        return Err(ReviewError::Forbidden(
            "the sign-in form's security token is missing or stale: reload the page".into(),
        ));
    }
    let t = now();
    let locked = {
        let fails = app.failures.lock().unwrap_or_else(|p| p.into_inner());
        fails
            .get(&f.name)
            .is_some_and(|(n, at)| *n >= MAX_FAILURES && t - at < LOCK_SECS)
    };
    let token = random_token();
    if locked {
        return Ok(login_form(
            &app,
            &token,
            Some("Too many failed attempts: wait a minute and try again."),
        ));
    }
    let user = app.store().user(&f.name)?;
    let password = f.password.clone();
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    // argon2 is deliberately slow: keep it off the async workers. A missing user still costs
    // one verification so that timing does not reveal which names exist.
    let ok = tokio::task::spawn_blocking(move || match phc {
        Some(h) => verify_password(&password, &h),
        None => {
            let _ = verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        let mut fails = app.failures.lock().unwrap_or_else(|p| p.into_inner());
        let e = fails.entry(f.name.clone()).or_insert((0, t));
        *e = (e.0 + 1, t);
        tracing::warn!(name = %f.name, "failed sign-in");
        return Ok(login_form(
            &app,
            &token,
            Some("Name or password not recognised."),
        ));
    };
    app.failures
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&f.name);
    let session = random_token();
    {
        let mut store = app.store();
        store.create_session(&SessionRow {
            token_hash: token_hash(&session),
            user_name: user.name.clone(),
            csrf: random_token(),
            created_at: t,
            expires_at: t + app.config.session_secs,
        })?;
        store.audit_event(
            &user.name,
            "sign_in",
            json!({"role": user.role.as_str()}),
            t,
        )?;
    }
    let mut res = Redirect::to("/").into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(&app, SESSION_COOKIE, &session, app.config.session_secs),
    );
    h.append(header::SET_COOKIE, set_cookie(&app, LOGIN_COOKIE, "", 0));
    Ok(res)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(app): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ReviewError> {
    let user = match require_user(&app, &headers) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    check_csrf(&user, &f.csrf)?;
    {
        let mut store = app.store();
        store.delete_session(&user.token_hash)?;
        store.audit_event(&user.name, "sign_out", json!({}), now())?;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", 0));
    Ok(res)
}

/// An argon2id hash of a random string, verified against when the name is unknown.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}
