//! Configuration: command-line flags with environment fallbacks ([`Args`]),
//! resolved into a validated [`Config`] once the listener is bound.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;
use url::Url;

/// `pq-server` flags. Every flag has an environment fallback; a local setup
/// needs none of them.
#[derive(Parser, Clone, Debug)]
#[command(
    name = "pq-server",
    version,
    about = "pq's companion backend: REST API, WebSocket gateway and a development sign-in provider"
)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "PQ_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory holding the SQLite database and the development provider's
    /// mailbox. Default: the per-user data directory (e.g. ~/.local/share/pq/server).
    #[arg(long, env = "PQ_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// The URL clients reach this server at (issuer of the development
    /// provider, base of links). Default: http://LISTEN.
    #[arg(long, env = "PQ_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// Turn off the built-in development sign-in provider.
    #[arg(long, env = "PQ_NO_DEV_IDP")]
    pub no_dev_idp: bool,

    /// Run the development sign-in provider although the server is reachable
    /// from other machines (a listen or public address that is not loopback)
    /// or trusts an external issuer. Its Google and Kakao stand-ins let
    /// anyone sign in as any email: for a test network only.
    #[arg(long, env = "PQ_DEV_IDP_ON_NETWORK")]
    pub dev_idp_on_network: bool,

    /// An external OpenID Connect issuer whose access tokens to accept, e.g. a
    /// Cognito user pool: https://cognito-idp.REGION.amazonaws.com/POOL_ID
    #[arg(long, env = "PQ_OIDC_ISSUER")]
    pub oidc_issuer: Option<Url>,

    /// OAuth client ids whose access tokens to accept (`client_id` claim).
    #[arg(long, env = "PQ_OIDC_CLIENT_ID", value_delimiter = ',', default_value = "pq")]
    pub oidc_client_id: Vec<String>,

    /// Emails the development provider puts in group `admin`.
    #[arg(long, env = "PQ_DEV_ADMINS", value_delimiter = ',')]
    pub dev_admins: Vec<String>,

    /// Lifetime of access tokens the development provider issues, in seconds.
    #[arg(long, env = "PQ_DEV_ACCESS_TOKEN_TTL", default_value_t = 3600)]
    pub dev_access_token_ttl_secs: u64,

    /// SMTP server for mail (invites to addresses with no pq account, and the
    /// development provider's codes), e.g.
    /// smtps://user:password@smtp.example.com:465. Default: the provider's
    /// codes go to a mailbox file in the data directory, and invites are not
    /// mailed (the inviter is told to pass the link on).
    #[arg(long, env = "PQ_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// Sender address of the development provider's mail.
    #[arg(long, env = "PQ_MAIL_FROM", default_value = "pq <no-reply@pq.localhost>")]
    pub mail_from: String,

    /// Attachments go to this S3-compatible endpoint (e.g.
    /// https://s3.eu-central-1.amazonaws.com, or http://127.0.0.1:9000 for
    /// a local one) instead of files in the data directory. Needs
    /// --s3-bucket and the credentials.
    #[arg(long, env = "PQ_S3_ENDPOINT", requires = "s3_bucket")]
    pub s3_endpoint: Option<url::Url>,

    /// The bucket for attachments (with --s3-endpoint).
    #[arg(long, env = "PQ_S3_BUCKET", requires = "s3_endpoint")]
    pub s3_bucket: Option<String>,

    /// The bucket's region.
    #[arg(long, env = "PQ_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// The access key id for the bucket.
    #[arg(long, env = "PQ_S3_ACCESS_KEY_ID", hide_env_values = true)]
    pub s3_access_key_id: Option<Secret>,

    /// The secret access key for the bucket.
    #[arg(long, env = "PQ_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<Secret>,

    /// The largest attachment per plan, in MiB: free,basic,premium.
    #[arg(long, env = "PQ_UPLOAD_LIMIT_MB", default_value = "8,25,100", value_parser = parse_upload_limits)]
    pub upload_limit_mb: UploadLimits,

    /// The longest message of the free, basic and premium plans, in
    /// characters (each 1 to 1,000).
    #[arg(long, env = "PQ_MESSAGE_LIMITS", default_value = "150,500,1000", value_parser = parse_message_limits)]
    pub message_limits: MessageLimits,

    /// Monthly price of the free, basic and premium plans in Korean won, as
    /// the plan page shows them.
    #[arg(long, env = "PQ_PLAN_PRICES_KRW", default_value = "0,2500,5000", value_parser = parse_prices)]
    pub plan_prices_krw: PlanPrices,

    /// Toss Payments' API, e.g. https://api.tosspayments.com (with
    /// --toss-client-key and --toss-secret-key). Without it, a server with
    /// the development provider takes payments through a stand-in of Toss
    /// under /dev/toss (no money moves); a server without either takes none.
    #[arg(long, env = "PQ_TOSS_API_URL", requires_all = ["toss_client_key", "toss_secret_key"])]
    pub toss_api_url: Option<Url>,

    /// Toss's client key (the checkout page's; `test_ck_…` or `live_ck_…`).
    #[arg(long, env = "PQ_TOSS_CLIENT_KEY")]
    pub toss_client_key: Option<String>,

    /// Toss's secret key (confirm, cancel and lookup calls).
    #[arg(long, env = "PQ_TOSS_SECRET_KEY", hide_env_values = true)]
    pub toss_secret_key: Option<Secret>,

    /// Toss's payment SDK, loaded by the checkout page.
    #[arg(long, env = "PQ_TOSS_JS_URL", default_value = "https://js.tosspayments.com/v2/standard")]
    pub toss_js_url: Url,

    /// Gateway heartbeat interval, in milliseconds.
    #[arg(long, env = "PQ_HEARTBEAT_INTERVAL_MS", default_value_t = 30_000)]
    pub heartbeat_interval_ms: u32,

    /// How long a dropped gateway session can be resumed, in seconds.
    #[arg(long, env = "PQ_RESUME_WINDOW_SECS", default_value_t = 120)]
    pub resume_window_secs: u64,

    /// How long a person with no connection left stays shown online, in
    /// milliseconds (absorbs quick reconnects).
    #[arg(long, env = "PQ_PRESENCE_GRACE_MS", default_value_t = 5_000)]
    pub presence_grace_ms: u64,

    /// Servers with more members than this do not push presence changes to
    /// every member (a thousand people connecting at once would otherwise
    /// send a million frames, and `ready` would list everyone): people see
    /// each other's presence live through the smaller servers they share,
    /// and in a large server's member list as of when it is read.
    #[arg(long, env = "PQ_PRESENCE_FANOUT_LIMIT", default_value_t = 1_000)]
    pub presence_fanout_limit: u32,

    /// Gateway frames a connection may send per second, sustained.
    #[arg(long, env = "PQ_RATE_PER_SEC", default_value_t = 20.0)]
    pub rate_per_sec: f64,

    /// Gateway frames a connection may send in a burst.
    #[arg(long, env = "PQ_RATE_BURST", default_value_t = 60.0)]
    pub rate_burst: f64,

    /// HTTP requests one client address may make per second, sustained
    /// (twice that in a burst): REST, gateway connections, pages.
    #[arg(long, env = "PQ_HTTP_RATE_PER_SEC", default_value_t = 100.0)]
    pub http_rate_per_sec: f64,

    /// Authenticated REST requests one account may make per second,
    /// sustained (twice that in a burst). Messages sent through REST also
    /// count against --rate-per-sec/--rate-burst, like gateway frames.
    #[arg(long, env = "PQ_API_RATE_PER_SEC", default_value_t = 50.0)]
    pub api_rate_per_sec: f64,

    /// Sign-in work one client address may ask of the development provider
    /// per minute (password tries, authorization requests, sign-ups, codes,
    /// token requests), and as a burst. Per email, password tries and code
    /// checks are limited to 10 an hour and mails to 5 an hour whatever this says.
    #[arg(long, env = "PQ_AUTH_RATE_PER_MIN", default_value_t = 60.0)]
    pub auth_rate_per_min: f64,

    /// Bytes (MiB) one account may upload per hour (pictures).
    #[arg(long, env = "PQ_UPLOAD_MIB_PER_HOUR", default_value_t = 200)]
    pub upload_mib_per_hour: u32,

    /// Gateway sessions one person may hold at once, connected or waiting to
    /// be resumed (each can buffer up to --client-queue frames): a new one
    /// ends the oldest.
    #[arg(long, env = "PQ_SESSIONS_PER_USER", default_value_t = 10)]
    pub sessions_per_user: usize,
    /// The clock the waiting rules use (tests move a manual one forward).
    #[arg(skip)]
    pub clock: crate::clock::Clock,

    /// Frames queued for one connection before it counts as too slow and is
    /// closed (memory stays bounded).
    #[arg(long, env = "PQ_CLIENT_QUEUE", default_value_t = 2_048)]
    pub client_queue: usize,

    /// Socket writes per second the gateway aims to stay under, all
    /// connections together. A connection writes whatever is queued at once
    /// when it wrote nothing for a while; one that wrote less than
    /// connections ÷ budget seconds ago waits out that window, and what
    /// arrives meanwhile leaves in the same write. So a lone frame is never
    /// held back, while many busy connections turn a system call per frame
    /// into one per batch (1,000 connections: at most one write each per
    /// 10 ms).
    #[arg(long, env = "PQ_WRITE_BUDGET", default_value_t = 100_000)]
    pub write_budget: u32,

    /// Longest that window may be, in milliseconds (0: never wait).
    #[arg(long, env = "PQ_WRITE_COALESCE_MS", default_value_t = 25)]
    pub write_coalesce_ms: u64,

    /// Most people in one voice room (a full mesh; 2–16).
    #[arg(long, env = "PQ_VOICE_ROOM_SIZE", default_value_t = pq_protocol::limits::MAX_ROOM_SIZE)]
    pub voice_room_size: u32,

    /// How long someone whose connection dropped keeps their place in a voice
    /// room, in milliseconds (a quick reconnect does not leave the call).
    #[arg(long, env = "PQ_VOICE_GRACE_MS", default_value_t = 15_000)]
    pub voice_grace_ms: u64,

    /// STUN servers handed to clients for their peer connections, e.g.
    /// stun:stun.example.com:3478 (comma-separated). Default: none (clients
    /// on one network connect directly).
    #[arg(long, env = "PQ_STUN_URLS", value_delimiter = ',')]
    pub stun_urls: Vec<String>,

    /// TURN servers handed to clients, e.g. turn:turn.example.com:3478?transport=udp
    /// (comma-separated). Needs --turn-secret.
    #[arg(long, env = "PQ_TURN_URLS", value_delimiter = ',')]
    pub turn_urls: Vec<String>,

    /// Shared secret of the TURN servers (coturn's `static-auth-secret`):
    /// clients get short-lived credentials derived from it.
    #[arg(long, env = "PQ_TURN_SECRET", hide_env_values = true)]
    pub turn_secret: Option<Secret>,

    /// Lifetime of the TURN credentials handed out, in seconds.
    #[arg(long, env = "PQ_TURN_TTL_SECS", default_value_t = 6 * 3600)]
    pub turn_ttl_secs: u64,

    /// Log filter (tracing EnvFilter syntax), e.g. `info,pq_server=debug`.
    #[arg(long, env = "PQ_LOG", default_value = "info")]
    pub log: String,
}

impl Args {
    /// Flags for tests: an ephemeral port on loopback and the given data directory.
    #[must_use]
    pub fn for_tests(data_dir: PathBuf) -> Self {
        let mut args = Args::parse_from(["pq-server"]);
        args.listen = "127.0.0.1:0".parse().expect("static address");
        args.data_dir = Some(data_dir);
        // Every test client comes from 127.0.0.1: per-address limits would
        // count them all as one. Tests of the limits set them.
        args.http_rate_per_sec = 1e6;
        args.api_rate_per_sec = 1e6;
        args.auth_rate_per_min = 1e7;
        args
    }
}

/// A credential from the command line or environment (the TURN secret, an
/// SMTP URL with its password): `Debug` never shows it, so neither do logs
/// and panics that print [`Args`] or [`Config`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// An S3-compatible bucket for attachments.
#[derive(Clone, Debug)]
pub struct S3Config {
    /// The endpoint.
    pub endpoint: url::Url,
    /// The bucket.
    pub bucket: String,
    /// Its region.
    pub region: String,
    /// Credentials (else from the usual AWS environment variables).
    pub access_key_id: Option<Secret>,
    /// See `access_key_id`.
    pub secret_access_key: Option<Secret>,
}

/// One value per plan: the largest attachment (bytes), the longest message
/// (characters), the monthly price (won).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerPlan<T> {
    /// No plan.
    pub free: T,
    /// Basic.
    pub basic: T,
    /// Premium.
    pub premium: T,
}

impl<T: Copy> PerPlan<T> {
    /// The value of `plan`.
    #[must_use]
    pub const fn of(self, plan: pq_protocol::limits::Plan) -> T {
        match plan {
            pq_protocol::limits::Plan::Free => self.free,
            pq_protocol::limits::Plan::Basic => self.basic,
            pq_protocol::limits::Plan::Premium => self.premium,
        }
    }
}

/// The largest attachment per plan, in bytes.
pub type UploadLimits = PerPlan<u64>;
/// The longest message per plan, in characters.
pub type MessageLimits = PerPlan<u32>;
/// Monthly prices of the plans, in Korean won.
pub type PlanPrices = PerPlan<u32>;

/// `free,basic,premium`: three numbers each `fits`, or `hint`.
fn per_plan(s: &str, fits: impl Fn(u64) -> bool, hint: &str) -> Result<PerPlan<u64>, String> {
    let n: Vec<u64> =
        s.split(',').map(|p| p.trim().parse::<u64>().map_err(|e| format!("{p:?}: {e}"))).collect::<Result<_, _>>()?;
    match n[..] {
        [free, basic, premium] if [free, basic, premium].into_iter().all(&fits) => Ok(PerPlan { free, basic, premium }),
        _ => Err(hint.to_owned()),
    }
}

/// `--upload-limit-mb`: `free,basic,premium` in MiB, e.g. `8,25,100`.
///
/// # Errors
/// Not three sizes above zero.
pub fn parse_upload_limits(s: &str) -> Result<UploadLimits, String> {
    let mb =
        per_plan(s, |n| n > 0 && n < 1 << 20, "three sizes in MiB above zero, for free,basic,premium: e.g. 8,25,100")?;
    Ok(PerPlan { free: mb.free << 20, basic: mb.basic << 20, premium: mb.premium << 20 })
}

/// `--message-limits`: `free,basic,premium` in characters, each 1 to the
/// protocol's 1,000, e.g. `150,500,1000`.
///
/// # Errors
/// Not three lengths in range.
pub fn parse_message_limits(s: &str) -> Result<MessageLimits, String> {
    let max = pq_protocol::limits::MAX_MESSAGE_CHARS as u64;
    let hint = format!("three lengths from 1 to {max} characters, for free,basic,premium: e.g. 150,500,1000");
    let n = per_plan(s, |n| (1..=max).contains(&n), &hint)?;
    Ok(PerPlan { free: n.free as u32, basic: n.basic as u32, premium: n.premium as u32 })
}

/// `--plan-prices-krw`: `free,basic,premium` in won, e.g. `0,2500,5000`.
///
/// # Errors
/// Not three prices.
pub fn parse_prices(s: &str) -> Result<PlanPrices, String> {
    let won =
        per_plan(s, |n| n <= u64::from(u32::MAX), "three prices in won, for free,basic,premium: e.g. 0,2500,5000")?;
    Ok(PerPlan { free: won.free as u32, basic: won.basic as u32, premium: won.premium as u32 })
}

impl Secret {
    /// The value itself, for the one place that uses it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(\"…\")")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// A trusted external issuer.
#[derive(Clone, Debug)]
pub struct ExternalIssuer {
    /// Issuer URL, as in the `iss` claim (no trailing slash).
    pub issuer: String,
}

/// Resolved configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Bound address.
    pub addr: SocketAddr,
    /// Data directory (exists).
    pub data_dir: PathBuf,
    /// Public base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Whether the development provider runs (its issuer is `public_url`).
    pub dev_idp: bool,
    /// It runs reachable from other machines or beside an external issuer
    /// (`--dev-idp-on-network`): its pages and the log say so loudly.
    pub dev_idp_exposed: bool,
    /// External issuer, if configured.
    pub external_issuer: Option<ExternalIssuer>,
    /// Accepted `client_id`s.
    pub client_ids: Vec<String>,
    /// Development provider: admin emails (lowercase).
    pub dev_admins: Vec<String>,
    /// Development provider: access token lifetime.
    pub dev_access_token_ttl: Duration,
    /// SMTP URL, if mail goes out by SMTP.
    pub smtp_url: Option<Secret>,
    /// Mail sender.
    pub mail_from: String,
    /// Where attachments are kept: S3 (endpoint, bucket, region, key id,
    /// secret), or files in `data_dir/objects` when `None`.
    pub s3: Option<S3Config>,
    /// The largest attachment per plan, in bytes.
    pub upload_limits: UploadLimits,
    /// Monthly plan prices (`--plan-prices-krw`).
    pub plan_prices: PlanPrices,
    /// Payments through Toss (none: this server takes no payments).
    pub payments: Option<PaymentsConfig>,
    /// The longest message per plan (`--message-limits`).
    pub message_limits: MessageLimits,
    /// Gateway heartbeat interval.
    pub heartbeat_interval: Duration,
    /// Resume window.
    pub resume_window: Duration,
    /// Presence grace.
    pub presence_grace: Duration,
    /// Largest server whose members get each other's presence pushed.
    pub presence_fanout_limit: u32,
    /// Rate limit: frames per second.
    pub rate_per_sec: f64,
    /// Rate limit: burst.
    pub rate_burst: f64,
    /// Slow-consumer bound, in frames.
    pub client_queue: usize,
    /// Most gateway sessions per person.
    pub sessions_per_user: usize,
    /// The clock of heartbeats, grace periods, the resume window and token
    /// expiry.
    pub clock: crate::clock::Clock,
    /// Abuse limits (see [`crate::limits`]).
    pub limits: LimitsConfig,
    /// Socket writes per second to stay under (see `--write-budget`).
    pub write_budget: u32,
    /// Longest wait between two writes of one connection.
    pub write_coalesce: Duration,
    /// Voice rooms and their ICE servers.
    pub voice: VoiceConfig,
}

/// Where payments go.
#[derive(Clone, Debug)]
pub struct PaymentsConfig {
    /// Toss's API base, without a trailing slash.
    pub api_url: String,
    /// The checkout page's key.
    pub client_key: String,
    /// The server's key.
    pub secret_key: Secret,
    /// The payment SDK the checkout page loads.
    pub js_url: String,
    /// Whether this server itself serves the stand-in of Toss (under
    /// `/dev/toss`; development and tests).
    pub standin: bool,
}

/// Abuse limits (see [`crate::limits`]).
#[derive(Clone, Debug)]
pub struct LimitsConfig {
    /// HTTP requests per second per client address.
    pub http_per_sec: f64,
    /// Authenticated REST requests per second per account.
    pub api_per_sec: f64,
    /// Sign-in work per minute per client address.
    pub auth_per_min: f64,
    /// Upload MiB per hour per account.
    pub upload_mib_per_hour: u32,
}

/// Voice rooms.
#[derive(Clone, Debug)]
pub struct VoiceConfig {
    /// Most people in one room.
    pub room_size: u32,
    /// How long a dropped connection keeps its place.
    pub grace: Duration,
    /// STUN URLs.
    pub stun_urls: Vec<String>,
    /// TURN URLs.
    pub turn_urls: Vec<String>,
    /// TURN shared secret.
    pub turn_secret: Option<Secret>,
    /// TURN credential lifetime.
    pub turn_ttl: Duration,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No data directory given and no per-user data directory known.
    #[error("no data directory: pass --data-dir or set PQ_DATA_DIR")]
    NoDataDir,
    /// The data directory cannot be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Neither the development provider nor an external issuer: nobody could sign in.
    #[error("no sign-in provider: drop --no-dev-idp or set --oidc-issuer")]
    NoIssuer,
    /// The development provider would let anyone on the network sign in as anyone.
    #[error(
        "the development sign-in provider lets anyone sign in as any email, and this server {why}: \
         pass --no-dev-idp (and --oidc-issuer for a real provider), or --dev-idp-on-network to run it \
         on a test network anyway"
    )]
    DevIdpExposed {
        /// What exposes it.
        why: String,
    },
    /// A value out of range.
    #[error("invalid value for {flag}: {reason}")]
    Invalid {
        /// The flag.
        flag: &'static str,
        /// Why.
        reason: String,
    },
}

impl Config {
    /// Validates `args` for a server bound at `addr`.
    ///
    /// # Errors
    /// See [`ConfigError`].
    pub fn resolve(args: &Args, addr: SocketAddr) -> Result<Self, ConfigError> {
        let data_dir = match &args.data_dir {
            Some(d) => d.clone(),
            None => {
                directories::ProjectDirs::from("", "", "pq").ok_or(ConfigError::NoDataDir)?.data_dir().join("server")
            }
        };
        create_private_dir(&data_dir).map_err(|source| ConfigError::DataDir { path: data_dir.clone(), source })?;
        let public_url = match &args.public_url {
            Some(u) => u.as_str().trim_end_matches('/').to_owned(),
            None => {
                let host = if addr.ip().is_unspecified() { "127.0.0.1".to_owned() } else { addr.ip().to_string() };
                if addr.is_ipv6() && !addr.ip().is_unspecified() {
                    format!("http://[{host}]:{}", addr.port())
                } else {
                    format!("http://{host}:{}", addr.port())
                }
            }
        };
        if args.no_dev_idp && args.oidc_issuer.is_none() {
            return Err(ConfigError::NoIssuer);
        }
        if let Some(issuer) = &args.oidc_issuer
            && issuer.scheme() != "https"
            && !(issuer.scheme() == "http" && host_is_loopback(issuer))
        {
            return Err(ConfigError::Invalid {
                flag: "--oidc-issuer",
                reason: format!("{issuer} is not https (plain http only on loopback, for tests)"),
            });
        }
        let exposure = if args.no_dev_idp {
            None
        } else if !addr.ip().is_loopback() {
            Some(format!("listens on {addr}, not on loopback"))
        } else if let Ok(u) = Url::parse(&public_url)
            && !host_is_loopback(&u)
        {
            Some(format!("is published at {public_url}, not on loopback"))
        } else {
            args.oidc_issuer.as_ref().map(|i| format!("also trusts the external issuer {i}"))
        };
        if let Some(why) = &exposure
            && !args.dev_idp_on_network
        {
            return Err(ConfigError::DevIdpExposed { why: why.clone() });
        }
        if !(args.rate_per_sec > 0.0 && args.rate_burst >= 1.0) {
            return Err(ConfigError::Invalid {
                flag: "--rate-per-sec/--rate-burst",
                reason: "must be positive".into(),
            });
        }
        for (flag, v) in [
            ("--http-rate-per-sec", args.http_rate_per_sec),
            ("--api-rate-per-sec", args.api_rate_per_sec),
            ("--auth-rate-per-min", args.auth_rate_per_min),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(ConfigError::Invalid { flag, reason: "must be a positive number".into() });
            }
        }
        if args.heartbeat_interval_ms < 100 {
            return Err(ConfigError::Invalid { flag: "--heartbeat-interval-ms", reason: "at least 100".into() });
        }
        if args.client_queue < 16 {
            return Err(ConfigError::Invalid { flag: "--client-queue", reason: "at least 16".into() });
        }
        if !(2..=16).contains(&args.voice_room_size) {
            return Err(ConfigError::Invalid { flag: "--voice-room-size", reason: "between 2 and 16".into() });
        }
        if !args.turn_urls.is_empty() && args.turn_secret.as_ref().is_none_or(|s| s.expose().is_empty()) {
            return Err(ConfigError::Invalid { flag: "--turn-urls", reason: "needs --turn-secret".into() });
        }
        for u in args.stun_urls.iter().chain(&args.turn_urls) {
            if !(u.starts_with("stun:") || u.starts_with("stuns:") || u.starts_with("turn:") || u.starts_with("turns:"))
            {
                return Err(ConfigError::Invalid {
                    flag: "--stun-urls/--turn-urls",
                    reason: format!("{u:?} is not a stun:, stuns:, turn: or turns: URL"),
                });
            }
        }
        let payments = match (&args.toss_api_url, &args.toss_client_key, &args.toss_secret_key) {
            (Some(api), Some(client_key), Some(secret_key)) => Some(PaymentsConfig {
                api_url: api.as_str().trim_end_matches('/').to_owned(),
                client_key: client_key.clone(),
                secret_key: secret_key.clone(),
                js_url: args.toss_js_url.to_string(),
                standin: false,
            }),
            _ if !args.no_dev_idp => Some(PaymentsConfig {
                api_url: format!("{public_url}{}", crate::toss::standin::PREFIX),
                client_key: crate::toss::standin::CLIENT_KEY.to_owned(),
                secret_key: Secret(crate::toss::standin::SECRET_KEY.to_owned()),
                js_url: format!("{public_url}{}/v2/standard", crate::toss::standin::PREFIX),
                standin: true,
            }),
            _ => None,
        };
        Ok(Self {
            clock: args.clock.clone(),
            addr,
            data_dir,
            public_url,
            dev_idp: !args.no_dev_idp,
            dev_idp_exposed: exposure.is_some(),
            external_issuer: args
                .oidc_issuer
                .as_ref()
                .map(|u| ExternalIssuer { issuer: u.as_str().trim_end_matches('/').to_owned() }),
            client_ids: args.oidc_client_id.clone(),
            dev_admins: args.dev_admins.iter().map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).collect(),
            dev_access_token_ttl: Duration::from_secs(args.dev_access_token_ttl_secs.max(1)),
            smtp_url: args.smtp_url.clone(),
            mail_from: args.mail_from.clone(),
            s3: match (&args.s3_endpoint, &args.s3_bucket) {
                (Some(endpoint), Some(bucket)) => Some(S3Config {
                    endpoint: endpoint.clone(),
                    bucket: bucket.clone(),
                    region: args.s3_region.clone(),
                    access_key_id: args.s3_access_key_id.clone(),
                    secret_access_key: args.s3_secret_access_key.clone(),
                }),
                _ => None,
            },
            upload_limits: args.upload_limit_mb,
            plan_prices: args.plan_prices_krw,
            payments,
            message_limits: args.message_limits,
            heartbeat_interval: Duration::from_millis(u64::from(args.heartbeat_interval_ms)),
            resume_window: Duration::from_secs(args.resume_window_secs),
            presence_grace: Duration::from_millis(args.presence_grace_ms),
            presence_fanout_limit: args.presence_fanout_limit,
            rate_per_sec: args.rate_per_sec,
            rate_burst: args.rate_burst,
            client_queue: args.client_queue,
            sessions_per_user: args.sessions_per_user.max(1),
            limits: LimitsConfig {
                http_per_sec: args.http_rate_per_sec,
                api_per_sec: args.api_rate_per_sec,
                auth_per_min: args.auth_rate_per_min,
                upload_mib_per_hour: args.upload_mib_per_hour.max(1),
            },
            write_budget: args.write_budget.max(1),
            write_coalesce: Duration::from_millis(args.write_coalesce_ms.min(1_000)),
            voice: VoiceConfig {
                room_size: args.voice_room_size,
                grace: Duration::from_millis(args.voice_grace_ms),
                stun_urls: args.stun_urls.iter().filter(|u| !u.is_empty()).cloned().collect(),
                turn_urls: args.turn_urls.iter().filter(|u| !u.is_empty()).cloned().collect(),
                turn_secret: args.turn_secret.clone().filter(|s| !s.expose().is_empty()),
                turn_ttl: Duration::from_secs(args.turn_ttl_secs.clamp(60, 7 * 24 * 3600)),
            },
        })
    }

    /// The development provider's issuer URL (the `iss` of its tokens).
    #[must_use]
    pub fn dev_issuer(&self) -> String {
        self.public_url.clone()
    }
}

/// Creates `dir` (and its parents) if missing; a directory it creates is
/// readable by its owner only (the database and signing key live there).
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Whether a URL's host is this machine only (`localhost`, 127.0.0.0/8, `::1`).
fn host_is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(flags: &[&str], addr: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let mut argv = vec!["pq-server", "--data-dir", dir.path().to_str().unwrap()];
        argv.extend_from_slice(flags);
        Config::resolve(&Args::parse_from(argv), addr.parse().unwrap())
    }

    #[test]
    fn the_development_provider_refuses_to_face_a_network_without_the_flag() {
        assert!(resolve(&[], "127.0.0.1:8080").unwrap().dev_idp);
        for (flags, addr, says) in [
            (&[][..], "0.0.0.0:8080", "listens on 0.0.0.0:8080"),
            (&[][..], "192.168.1.10:8080", "listens on 192.168.1.10:8080"),
            (
                &["--public-url", "https://chat.example.com"][..],
                "127.0.0.1:8080",
                "published at https://chat.example.com",
            ),
            (
                &["--oidc-issuer", "https://cognito-idp.ap-northeast-2.amazonaws.com/pool"][..],
                "127.0.0.1:8080",
                "external issuer",
            ),
        ] {
            let err = resolve(flags, addr).unwrap_err();
            let text = err.to_string();
            assert!(matches!(err, ConfigError::DevIdpExposed { .. }), "{flags:?} {addr}: {text}");
            assert!(
                text.contains(says) && text.contains("--no-dev-idp") && text.contains("--dev-idp-on-network"),
                "{text}"
            );
            let mut with = flags.to_vec();
            with.push("--dev-idp-on-network");
            let c = resolve(&with, addr).unwrap();
            assert!(c.dev_idp && c.dev_idp_exposed);
            let mut without = flags.to_vec();
            without.push("--no-dev-idp");
            if !flags.contains(&"--oidc-issuer") {
                without.extend(["--oidc-issuer", "https://issuer.example.com"]);
            }
            let c = resolve(&without, addr).unwrap();
            assert!(!c.dev_idp && !c.dev_idp_exposed);
        }
    }

    #[test]
    fn an_issuer_over_plain_http_is_refused_except_on_loopback() {
        let err =
            resolve(&["--no-dev-idp", "--oidc-issuer", "http://issuer.example.com/pool"], "127.0.0.1:0").unwrap_err();
        assert!(err.to_string().contains("not https"), "{err}");
        resolve(&["--no-dev-idp", "--oidc-issuer", "http://127.0.0.1:9000"], "127.0.0.1:0").unwrap();
        resolve(&["--no-dev-idp", "--oidc-issuer", "http://localhost:9000"], "127.0.0.1:0").unwrap();
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let c = resolve(
            &[
                "--turn-urls",
                "turn:turn.example.com:3478",
                "--turn-secret",
                "hunter2-turn",
                "--smtp-url",
                "smtps://me:hunter2-smtp@smtp.example.com",
            ],
            "127.0.0.1:0",
        )
        .unwrap();
        let args =
            Args::parse_from(["pq-server", "--turn-secret", "hunter2-turn", "--smtp-url", "smtps://me:hunter2-smtp@x"]);
        for text in [format!("{c:?}"), format!("{args:?}")] {
            assert!(!text.contains("hunter2"), "{text}");
        }
        assert_eq!(c.voice.turn_secret.unwrap().expose(), "hunter2-turn");
    }
}
