//! `pq-dev-browser URL EMAIL NAME [Google|Kakao]`: plays the person at the
//! browser against the development provider (for trying pq by hand without a
//! browser, and for UI tests): signs in at the authorization URL an app
//! opened and prints where the browser is sent next (the app's redirect).

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, email, name, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: pq-dev-browser URL EMAIL NAME [Google|Kakao]");
    };
    let provider = rest.first().map_or("Google", String::as_str);
    let http = pq_server::idp::devclient::browser();
    let next = pq_server::idp::devclient::complete_federated(&http, url, provider, email, name).await?;
    println!("{next}");
    Ok(())
}
