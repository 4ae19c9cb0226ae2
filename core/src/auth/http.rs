//! openidconnect's asynchronous HTTP client trait over our reqwest client.
//!
//! openidconnect is built without its own HTTP client (`default-features =
//! false`), so that pq has one HTTP stack (reqwest with rustls) and one
//! place to set timeouts. The client given here must not follow redirects
//! (an identity provider that redirects a token request is misconfigured,
//! and following it would send the request somewhere else: SSRF).

use std::{future::Future, pin::Pin};

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse, http};

/// Largest response body read from the identity provider. Discovery
/// documents, key sets and token responses are a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;

/// A failed HTTP exchange with the identity provider.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The request could not be sent or the response not read.
    #[error(transparent)]
    Reqwest(#[from] reqwest::Error),
    /// The response is implausibly large.
    #[error("the response is too large")]
    TooLarge,
    /// The response could not be rebuilt as an `http::Response`.
    #[error("unusable response: {0}")]
    Http(#[from] http::Error),
}

/// reqwest as openidconnect's HTTP client.
#[derive(Clone, Debug)]
pub(crate) struct OidcHttp(pub(crate) reqwest::Client);

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let mut response = self.0.execute(request).await?;
            let mut builder = http::Response::builder().status(response.status()).version(response.version());
            if let Some(headers) = builder.headers_mut() {
                *headers = std::mem::take(response.headers_mut());
            }
            let body = read_limited(response, MAX_BODY).await?;
            Ok(builder.body(body)?)
        })
    }
}

/// Reads a response body, refusing more than `limit` bytes.
pub(crate) async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, HttpError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(HttpError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(HttpError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
