//! `pq-server`: parse flags, start, wait for Ctrl-C or SIGTERM, stop gracefully.

use clap::Parser;
use pq_server::Args;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&args.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let server = pq_server::start(args).await?;
    println!("pq-server listening on {} (API reference: {}/docs)", server.public_url, server.public_url);
    if server.state.config().payments.as_ref().is_some_and(|p| p.standin) {
        println!(
            "payments go to the stand-in of Toss at {}{}: no money moves (pass --toss-api-url and keys for real ones)",
            server.public_url,
            pq_server::toss::standin::PREFIX
        );
    }
    if let Some(mailbox) = &server.mailbox {
        println!("development mail (sign-up codes, password resets) goes to {}", mailbox.display());
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
