//! The adjudication web application for count staff: sign-in, the clerks' queue under leases,
//! the CRO's confirmation of proposed rejections, live progress with provisional shares, the
//! declarations, and the audit trail. Server-rendered HTML; one small script for shortcuts and
//! live updates, served by the application itself (nothing is fetched from the internet).
//!
//! The server knows nothing of scanning: it reads and writes the count store only.

mod auth;
mod html;
mod image_view;
mod progress;
mod queue;
mod svg;

pub use auth::{hash_password, prompt_password, verify_password};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use ecount_election::Election;
use ecount_store::{SqliteStore, StoreError};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Config {
    /// Progress pages readable without signing in (read-only).
    pub public_progress: bool,
    /// How long a clerk keeps a paper before it returns to the queue.
    pub lease_secs: i64,
    /// How long a sign-in lasts.
    pub session_secs: i64,
    /// Mark cookies `Secure` (set when served over TLS by a proxy).
    pub secure_cookies: bool,
    /// Seeds any drawing of lots in the declarations.
    pub lot_seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            public_progress: false,
            lease_secs: 300,
            session_secs: 12 * 3600,
            secure_cookies: false,
            lot_seed: 0,
        }
    }
}

pub struct App {
    pub store: Mutex<SqliteStore>,
    pub election: Election,
    pub config: Config,
    /// Failed sign-ins per user name: (count, time of last failure), to slow guessing.
    failures: Mutex<HashMap<String, (u32, i64)>>,
    /// The latest progress snapshot and when it was taken.
    snapshot: Mutex<Option<(std::time::Instant, Arc<progress::Snapshot>)>>,
}

pub type Shared = Arc<App>;

impl App {
    pub fn new(store: SqliteStore, election: Election, config: Config) -> Shared {
        Arc::new(Self {
            store: Mutex::new(store),
            election,
            config,
            failures: Mutex::new(HashMap::new()),
            snapshot: Mutex::new(None),
        })
    }

    /// The store, even if a panicking request poisoned the lock (the store itself is
    /// transactional, so its state is consistent).
    /// Forgets the progress snapshot (after a decision, so its effect shows at once).
    pub(crate) fn invalidate_progress(&self) {
        *self.snapshot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, SqliteStore> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    BadRequest(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("cannot serve on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

impl IntoResponse for ReviewError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            Self::Store(StoreError::Forbidden(_)) | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Store(StoreError::Invalid(_)) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Store(StoreError::NoSuchPaper(_)) | Self::NotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("{self}");
        }
        let body = html::page(
            "Problem",
            None,
            &format!(
                "<h1>{}</h1><p>{}</p><p><a href=\"/\">Back</a></p>",
                status.as_u16(),
                html::esc(&self.to_string())
            ),
        );
        (status, axum::response::Html(body)).into_response()
    }
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

const APP_JS: &str = include_str!("app.js");
const APP_CSS: &str = include_str!("app.css");

async fn static_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP_JS,
    )
}

async fn static_css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], APP_CSS)
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Every route of the application.
pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(queue::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/queue", get(queue::clerk_queue))
        .route("/cro", get(queue::cro_queue))
        .route("/paper/{id}", get(queue::paper_page))
        .route("/paper/{id}/image", get(image_view::paper_image))
        .route("/paper/{id}/decide", post(queue::decide))
        .route("/paper/{id}/release", post(queue::release))
        .route("/progress", get(progress::progress_page))
        .route("/progress.json", get(progress::progress_json))
        .route("/declarations", get(progress::declarations_page))
        .route("/declarations.txt", get(progress::declarations_text))
        .route("/audit", get(queue::audit_page))
        .route("/static/app.js", get(static_js))
        .route("/static/app.css", get(static_css))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(app)
}

/// Serves the application until Ctrl-C.
pub async fn serve(app: Shared, addr: SocketAddr) -> Result<(), ReviewError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ReviewError::Bind { addr, source })?;
    let local = listener.local_addr()?;
    eprintln!("ecount review: serving on http://{local}/ (Ctrl-C stops)");
    if !local.ip().is_loopback() {
        tracing::warn!("listening on {local}, reachable from other machines: serve over TLS");
    }
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Serves on a runtime of its own (for callers that are not async).
pub fn serve_blocking(app: Shared, addr: SocketAddr) -> Result<(), ReviewError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve(app, addr))
}

/// Where the paper images are: stored paths are used as they are.
pub fn image_path(stored: &str) -> PathBuf {
    PathBuf::from(stored)
}
