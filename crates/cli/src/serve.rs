//! `rightstrack serve`: the web server, with a graceful stop on SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::commands::open;

pub async fn serve(
    url: &str,
    addr: SocketAddr,
    grace: Duration,
    demo: bool,
    mut config: rightstrack_web::WebConfig,
) -> Result<ExitCode> {
    // Listen for the signals before anything slow: a stop asked during start-up (the
    // index build takes seconds on a large database) is then a clean stop, not a kill.
    let signal = stop_signal()?;
    // The demo lives in a folder that is removed when the server stops.
    let demo_dir = if demo {
        Some(tempfile::tempdir().context("cannot create a folder for the demo database")?)
    } else {
        None
    };
    let url = match &demo_dir {
        Some(dir) => format!("sqlite://{}", dir.path().join("demo.db").display()),
        None => url.to_string(),
    };
    let store = open(&url).await?;
    if demo {
        crate::demo::seed(store.as_ref())
            .await
            .context("cannot load the demo data")?;
        if config.reprisals_key.is_none() {
            // A throwaway key for a throwaway database: the demo's register works.
            let key = rightstrack_auth::sealed::Key::generate()?;
            config.reprisals_key =
                Some(Arc::new(rightstrack_auth::sealed::Key::from_base64(&key)?));
        }
    } else if store.users().await?.is_empty() {
        println!(
            "No accounts yet: the public pages work, nothing can be changed. Create the first administrator with\n  \
             rightstrack user add NAME --role admin   (with the same --database)"
        );
    }
    crate::tracking::spawn_reminders_in_server(store.clone())?;
    if config.reprisals_key.is_none() {
        tracing::info!(
            "the reprisals register is closed: no key (set RIGHTSTRACK_REPRISALS_KEY_FILE; see docs/security.md)"
        );
    }
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr}; is another server running there? Use --addr")
    })?;
    let local = listener.local_addr()?;
    let backend = store.backend();
    let state = rightstrack_web::AppState::with_config(store, config)
        .await
        .context("cannot build the search index")?;
    // Said once the server can answer: scripts wait for this line.
    if demo {
        println!("rightstrack demo (fictional data) at http://{local}/");
        println!("demo accounts (demo only): {}", crate::demo::ACCOUNTS_HELP);
    } else {
        println!("rightstrack serving {} at http://{local}/", backend.name());
    }
    let follower = rightstrack_web::follow_store(&state, Duration::from_secs(1));
    let app = rightstrack_web::router(state);
    // Peer addresses reach the handlers, for sign-in limits and the audit log.
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    // On a stop signal the listener closes and in-flight requests may finish, for at most
    // `grace`: a client that never finishes must not hold the stop up forever.
    let stopping = Arc::new(tokio::sync::Notify::new());
    let shutdown = {
        let stopping = stopping.clone();
        async move {
            signal.await;
            tracing::info!(
                grace_seconds = grace.as_secs(),
                "shutting down: finishing the requests in flight"
            );
            stopping.notify_one();
        }
    };
    let server = axum::serve(listener, app).with_graceful_shutdown(shutdown);
    tokio::select! {
        served = server => served.context("the server stopped with an error")?,
        () = async {
            stopping.notified().await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(
            grace_seconds = grace.as_secs(),
            "requests still running after the shutdown grace period; stopping anyway"
        ),
    }
    tracing::info!("stopped");
    follower.abort();
    drop(demo_dir);
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed now, not when the
/// future is first polled.
#[cfg(unix)]
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt =
        signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C (SIGINT)")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    })
}
