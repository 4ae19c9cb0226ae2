//! `pq`: the command line over pq-core, for bots and for testing by hand.
//!
//! ```text
//! pq login                      # signs in through your browser
//! pq servers
//! pq channels "Study group"
//! pq send general "hello"       # a channel by name, server/name, or id
//! pq tail general               # follows live
//! pq history general --limit 50
//! pq search 회의
//! pq invite create "Study group" --max-uses 5
//! pq invite accept CODE         # or pq://invite/CODE
//! pq logout
//! ```
//!
//! Everything it shows comes from the same engine and offline cache as the
//! desktop app: reading works offline; `send` queues offline and the message
//! goes out the next time pq is online.

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use pq_core::{
    Client, ClientConfig, ConnectionState, Event,
    auth::{AuthError, AuthOptions, KeychainBackend, LoopbackConfig},
    protocol::{
        ChannelId, InviteCode, Timestamp, UserId,
        models::{
            ChannelAccess, ChannelKind, CreateInvite, CreateRole, CustomStatus, InviteDelivery, Message, Permission,
            Relationship, RelationshipKind, ServerRole, StatusChoice, UpdateRole,
        },
    },
    store::{CachedChannel, CachedServer},
};
use tracing_subscriber::EnvFilter;

#[derive(Parser, Debug)]
#[command(name = "pq", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("PQ_COMMIT"), ")"), about = "pq on the command line: chat, search and invites")]
struct Cli {
    /// The pq server.
    #[arg(long, env = "PQ_SERVER", default_value = "http://127.0.0.1:8080", global = true)]
    server: url::Url,
    /// Where the offline cache lives. Default: the per-user data directory.
    #[arg(long, env = "PQ_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Where tokens are kept: platform, keyutils, secret-service, mock.
    #[arg(long, env = "PQ_KEYCHAIN", default_value = "platform", global = true)]
    keychain: KeychainBackend,
    /// A fixed loopback port for sign-in (a real Cognito pool needs the
    /// registered http://localhost:PORT/callback).
    #[arg(long, env = "PQ_LOGIN_PORT", global = true)]
    login_port: Option<u16>,
    /// Machine-readable output (JSON, one value per line for `tail`).
    #[arg(long, global = true)]
    json: bool,
    /// How long to wait for the server before answering from the cache, in seconds.
    #[arg(long, default_value_t = 5, global = true)]
    wait: u64,
    /// Say more when something fails (the error's full detail and, with
    /// RUST_BACKTRACE set, where it happened).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Which pq this is and which server it talks to: versions and protocols.
    Version,
    /// Sign in through your browser.
    Login,
    /// Sign out and forget the tokens.
    Logout,
    /// The servers you are in.
    Servers,
    /// The channels of a server (name or id).
    Channels {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
    },
    /// Who sees a text channel (SERVER/CHANNEL or CHANNEL): print it, or
    /// make it private to roles and people, or public again.
    Access {
        /// The channel: name (or SERVER/name) or id.
        channel: String,
        /// Make it private to the --role and --user given (and administrators).
        #[arg(long, conflicts_with = "public")]
        private: bool,
        /// Make it public again.
        #[arg(long)]
        public: bool,
        /// A role let in (name or id; repeat for more).
        #[arg(long, requires = "private")]
        role: Vec<String>,
        /// Someone let in (name or id; repeat for more).
        #[arg(long, requires = "private")]
        user: Vec<String>,
    },
    /// Send a message (queued if offline), with files if given.
    Send {
        /// Channel: name, server/name, or id.
        channel: String,
        /// Text (may be empty with files).
        #[arg(default_value = "")]
        text: String,
        /// A file to attach (up to 10; uploaded before the message goes).
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<std::path::PathBuf>,
    },
    /// Save a message's attachment (its id from `history`) in a directory,
    /// under its name.
    Download {
        /// The attachment's id.
        id: pq_core::protocol::AttachmentId,
        /// Where to save it.
        #[arg(long, default_value = ".")]
        to: std::path::PathBuf,
        /// The file's name (by default the attachment's id).
        #[arg(long)]
        name: Option<String>,
    },
    /// Print a channel's newest messages, then follow it live.
    Tail {
        /// Channel: name, server/name, or id.
        channel: String,
        /// Messages to print first.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Print a channel's history (from the cache, caught up when online).
    History {
        /// Channel: name, server/name, or id.
        channel: String,
        /// How many messages.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Search every cached message (works offline, Korean too).
    Search {
        /// Words to find.
        text: String,
        /// How many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Invites.
    #[command(subcommand)]
    Invite(InviteCommand),
    /// What pq administrators do (the `admin` group of the sign-in provider).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Run a server: create, rename, hand over, leave or delete it; remove,
    /// ban and unban people; list its bans.
    #[command(subcommand)]
    Server(ServerCommand),
    /// Scheduled events still to come or going on, soonest first (of one
    /// server, or of all).
    Events {
        /// Server name or id (default: every server).
        #[arg(value_name = "SERVER")]
        of: Option<String>,
    },
    /// Paid events: list them, buy entries, check a draw.
    #[command(subcommand)]
    Event(EventCommand),
    /// Your plan, until when it runs, and your payments.
    Membership,
    /// Buy a month of a plan (basic or premium): opens the server's checkout
    /// page in your browser (Toss Payments) and prints its address.
    Buy {
        /// basic or premium.
        plan: String,
        /// Only print the address.
        #[arg(long)]
        no_browser: bool,
    },
    /// An order's ledger: every change of its payment, in order (yours, or
    /// anyone's for administrators).
    Ledger {
        /// The order id.
        order: String,
    },
    /// Take a payment back (yours, whole, within 3 days; administrators any
    /// part of anyone's).
    Refund {
        /// The order id (from `pq membership` or `pq admin payments`).
        order: String,
        /// Won to give back (administrators; default: all that is left).
        #[arg(long)]
        amount: Option<u32>,
        /// Why.
        #[arg(long, default_value = "Taken back with pq")]
        reason: String,
    },
    /// A server's roles: list, create, edit, delete; give and take them.
    #[command(subcommand)]
    Role(RoleCommand),
    /// Write to someone directly (their name, username, email or id), or
    /// without a text print your conversation with them.
    Dm {
        /// Who: a friend or someone in your servers.
        who: String,
        /// Text (queued if offline).
        text: Option<String>,
        /// How many messages to print (without a text).
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Your direct conversations, most recent first, with unread counts.
    Dms,
    /// Your friends, friend requests and blocks (or add, accept, remove,
    /// block, unblock someone).
    Friends {
        #[command(subcommand)]
        action: Option<FriendsCommand>,
    },
    /// Your profile: print it, or change your name, picture or about text.
    Profile {
        /// A new display name.
        #[arg(long)]
        name: Option<String>,
        /// A new username (2–32 letters, digits, _ and .): how others find you.
        #[arg(long)]
        username: Option<String>,
        /// A new "about me" (up to 190 characters; "" removes it).
        #[arg(long)]
        about: Option<String>,
        /// A picture to upload (PNG, JPEG, GIF or WebP, at most 2 MiB).
        #[arg(long, value_name = "FILE", conflicts_with = "remove_avatar")]
        avatar: Option<std::path::PathBuf>,
        /// Remove your picture.
        #[arg(long)]
        remove_avatar: bool,
    },
    /// Your status: print it, or choose it (online, idle, dnd, invisible)
    /// and set or clear a custom status.
    Status {
        /// online, idle, dnd (do not disturb: no notifications) or invisible
        /// (shown offline to others).
        #[arg(value_parser = parse_status)]
        status: Option<StatusChoice>,
        /// A custom status text shown under your name (up to 128 characters).
        #[arg(long, conflicts_with = "clear")]
        text: Option<String>,
        /// How long the custom status stays: 30m, 1h, 4h, 1d… (default: until changed).
        #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration, requires = "text")]
        for_: Option<Duration>,
        /// Remove the custom status.
        #[arg(long)]
        clear: bool,
    },
}

/// `online`, `idle`, `dnd`, `invisible` (and the protocol's `auto`, `away`).
fn parse_status(s: &str) -> Result<StatusChoice, String> {
    match s.to_ascii_lowercase().as_str() {
        "online" | "auto" => Ok(StatusChoice::Auto),
        "idle" | "away" => Ok(StatusChoice::Away),
        "dnd" | "busy" => Ok(StatusChoice::Dnd),
        "invisible" | "offline" => Ok(StatusChoice::Invisible),
        _ => Err("expected online, idle, dnd or invisible".into()),
    }
}

/// `90s`, `30m`, `4h`, `1d`: a number and a unit.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| format!("{s}: expected a number and a unit, as 30m or 4h"))?;
    let secs = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("{s}: the unit is s, m, h or d")),
    };
    n.checked_mul(secs).filter(|&t| t > 0).map(Duration::from_secs).ok_or_else(|| format!("{s}: out of range"))
}

/// Someone by id, by the email or name of someone on my list, or by the
/// name of someone in my servers (case does not matter).
async fn find_person(client: &Client, who: &str) -> anyhow::Result<UserId> {
    if let Ok(id) = who.parse::<UserId>() {
        return Ok(id);
    }
    let wanted = who.trim().trim_start_matches('@').to_lowercase();
    let listed = client.relationships()?;
    if let Some(r) = listed.iter().find(|r| r.user.display_name.to_lowercase() == wanted) {
        return Ok(r.user.id);
    }
    let me = client.me().map(|m| m.id);
    let mut found: Vec<(UserId, String)> = Vec::new();
    let add = |found: &mut Vec<(UserId, String)>, id: UserId, name: &str, place: &str| {
        if name.to_lowercase() == wanted && Some(id) != me && !found.iter().any(|(f, _)| *f == id) {
            found.push((id, place.to_owned()));
        }
    };
    for d in client.dms()? {
        for u in &d.channel.members {
            add(&mut found, u.id, &u.display_name, "your direct messages");
        }
    }
    let servers = client.servers()?;
    for s in &servers {
        for m in client.members(s.server.id).unwrap_or_default() {
            add(&mut found, m.user.id, &m.user.display_name, &s.server.name);
        }
    }
    let mut failed = None;
    if found.is_empty() {
        // The cached lists may be behind (or never read by this process): ask the server.
        for s in &servers {
            match client.api().members(s.server.id).await {
                Ok(members) => {
                    for m in members {
                        add(&mut found, m.user.id, &m.user.display_name, &s.server.name);
                    }
                }
                Err(e) => failed = Some(e),
            }
        }
    }
    match found.as_slice() {
        [(id, _)] => Ok(*id),
        [] if let Some(e) = failed => bail!("cannot look {who:?} up in your servers' member lists: {e}"),
        [] => bail!("no one called {who:?} on your list or in your servers (use their email address or id)"),
        _ => bail!(
            "several people are called {who:?} (in {}): use their id",
            found.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// How the CLI names a relationship.
fn relationship_name(k: RelationshipKind) -> &'static str {
    match k {
        RelationshipKind::Friend => "friend",
        RelationshipKind::Incoming => "asked you (pq friends accept NAME)",
        RelationshipKind::Outgoing => "asked by you",
        RelationshipKind::Blocked => "blocked",
    }
}

fn print_relationships(cli: &Cli, list: &[Relationship]) {
    if cli.json {
        for r in list {
            println!(
                "{}",
                serde_json::json!({"id": r.user.id, "name": r.user.display_name, "kind": r.kind, "since": r.since})
            );
        }
    } else if list.is_empty() {
        println!("No friends yet. Ask someone: pq friends add EMAIL");
    } else {
        for r in list {
            println!("{}  {}  {}", r.user.display_name, relationship_name(r.kind), r.user.id);
        }
    }
}

/// How the CLI names a status.
fn status_name(s: StatusChoice) -> &'static str {
    match s {
        StatusChoice::Auto => "online",
        StatusChoice::Away => "idle",
        StatusChoice::Dnd => "do not disturb",
        StatusChoice::Invisible => "invisible",
    }
}

#[derive(Subcommand, Debug)]
enum FriendsCommand {
    /// Ask someone to be friends: their username, their account's email
    /// address, or the name of someone in your servers (accepts their request
    /// if they asked).
    Add {
        /// A username, an email address, a name, or an id.
        who: String,
    },
    /// Accept someone's friend request.
    Accept {
        /// Their name, email or id.
        who: String,
    },
    /// Remove a friend, or decline or cancel a request.
    Remove {
        /// Their name, email or id.
        who: String,
    },
    /// Block someone: they cannot ask you, nor see your presence.
    Block {
        /// Their name or id.
        who: String,
    },
    /// Unblock someone.
    Unblock {
        /// Their name or id.
        who: String,
    },
}

#[derive(Subcommand, Debug)]
enum ServerCommand {
    /// Create a server (with a text and a voice channel).
    Create {
        /// Its name.
        name: String,
    },
    /// Rename a server (owner and admins).
    Rename {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// The new name.
        name: String,
    },
    /// Leave a server.
    Leave {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
    },
    /// Delete a server and everything in it (its owner; give its name again to confirm).
    Delete {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// The server's name, typed again.
        #[arg(long)]
        confirm: String,
    },
    /// Remove someone from a server.
    Kick {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// Their name or id.
        who: String,
    },
    /// Ban someone from a server (optionally deleting their recent messages there).
    Ban {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// Their name or id.
        who: String,
        /// Also delete their messages from the last hour, day or week.
        #[arg(long, value_parser = ["hour", "day", "week"])]
        purge: Option<String>,
    },
    /// Lift a ban.
    Unban {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// Their name (as on the bans list) or id.
        who: String,
    },
    /// Who is banned from a server.
    Bans {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
    },
    /// Hand a server over to another member (its owner; give its name again to confirm).
    Transfer {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// The new owner's name or id.
        to: String,
        /// The server's name, typed again.
        #[arg(long)]
        confirm: String,
    },
}

#[derive(Subcommand, Debug)]
enum RoleCommand {
    /// A server's roles, highest first, with what they allow.
    List {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
    },
    /// Create a role (just above @everyone).
    Create {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// Its name.
        name: String,
        /// Its colour, as #RRGGBB.
        #[arg(long, value_parser = parse_color)]
        color: Option<u32>,
        /// What it allows, comma-separated (kick_members,ban_members,…).
        #[arg(long, value_delimiter = ',', value_parser = parse_permission)]
        allow: Vec<Permission>,
    },
    /// Change a role (@everyone: only --allow).
    Edit {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// The role's name or id.
        role: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new colour, as #RRGGBB (#000000: none).
        #[arg(long, value_parser = parse_color)]
        color: Option<u32>,
        /// Everything it allows from now on, comma-separated ("" for nothing).
        #[arg(long, value_delimiter = ',', value_parser = parse_permission)]
        allow: Option<Vec<Permission>>,
        /// Its new rank (1: just above @everyone).
        #[arg(long)]
        position: Option<u32>,
    },
    /// Delete a role.
    Delete {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// The role's name or id.
        role: String,
    },
    /// Give someone a role.
    Give {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// The role's name or id.
        role: String,
        /// Their name or id.
        who: String,
    },
    /// Take a role from someone.
    Take {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        of: String,
        /// The role's name or id.
        role: String,
        /// Their name or id.
        who: String,
    },
}

fn parse_color(s: &str) -> Result<u32, String> {
    let hex = s.trim().trim_start_matches('#');
    match u32::from_str_radix(hex, 16) {
        Ok(c) if hex.len() == 6 => Ok(c),
        _ => Err(format!("{s:?} is not a colour like #2e8b57")),
    }
}

fn parse_permission(s: &str) -> Result<Permission, String> {
    let name = s.trim().replace(['-', ' '], "_");
    serde_json::from_value(serde_json::Value::String(name.clone())).map_err(|_| {
        let all: Vec<String> =
            Permission::ALL.iter().map(|p| serde_json::to_value(p).unwrap().as_str().unwrap().to_owned()).collect();
        format!("{name:?} is not a permission; one of: {}", all.join(", "))
    })
}

#[derive(Subcommand, Debug)]
enum EventCommand {
    /// The latest paid events: state, pot, entries, commitment, winner.
    List,
    /// Buy entries of an open event (opens the checkout in your browser).
    Buy {
        /// The event's id.
        event: String,
        /// How many entries.
        #[arg(default_value_t = 1)]
        entries: u32,
        /// Only print the checkout's address.
        #[arg(long)]
        no_browser: bool,
    },
    /// Recompute the winner from the published commitment, revealed seed and
    /// participant list, without trusting the server's answer.
    Verify {
        /// The event's id.
        event: String,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Show an announcement to everyone connected, at once.
    Toast {
        /// Its text (1–300 characters).
        text: String,
    },
    /// Accounts, newest first, and how many each plan has.
    Users {
        /// Only this plan's: free, basic or premium.
        #[arg(long)]
        plan: Option<String>,
    },
    /// Give someone a plan.
    Plan {
        /// Their account id or email address.
        who: String,
        /// free, basic or premium.
        plan: String,
    },
    /// Create a paid event (its commitment is published at once).
    EventCreate {
        /// What it is.
        title: String,
        /// Price of one entry, in won.
        #[arg(long, default_value_t = 1500)]
        price: u32,
        /// Hours from now until entries open.
        #[arg(long, default_value_t = 0)]
        starts_in_hours: u32,
        /// Hours entries stay open.
        #[arg(long, default_value_t = 168)]
        hours: u32,
    },
    /// Open entries now, close them now, or draw the winner: start, end, draw.
    EventAction {
        /// The event's id.
        event: String,
        /// start, end or draw.
        action: String,
    },
    /// Payments, newest first, and the money taken in and given back.
    Payments,
    /// Compare the payment ledger with Toss's view of the same orders.
    Reconcile,
}

/// One paid event on a line.
fn paid_event_line(e: &pq_core::protocol::models::PaidEvent) -> String {
    let mut s = format!(
        "{}  {}  {:?}  ₩{} an entry  pot ₩{}  {} entries of {} people  commitment {}",
        e.id, e.title, e.state, e.entry_price_krw, e.pot_krw, e.entries, e.participants, e.commitment
    );
    if let Some(w) = e.winner {
        s.push_str(&format!("  winner {w}"));
    }
    s
}

/// One payment on a line: order, date, plan, amount, status.
fn payment_line(p: &pq_core::protocol::models::Payment) -> String {
    use pq_core::protocol::models::PaymentStatus as S;
    let status = match p.status {
        S::Pending => "pending".to_owned(),
        S::Paid => "paid".to_owned(),
        S::PartiallyRefunded => format!("₩{} refunded", p.refunded_krw),
        S::Refunded => "refunded".to_owned(),
        S::Failed => format!("failed ({})", p.failure.as_deref().unwrap_or("?")),
    };
    format!("{}  {}  {}  ₩{}  {status}", p.order_id, p.created_at.to_rfc3339(), p.plan.as_str(), p.amount_krw)
}

fn plan_named(name: &str) -> anyhow::Result<pq_core::protocol::limits::Plan> {
    pq_core::protocol::limits::Plan::from_name(name)
        .ok_or_else(|| anyhow::anyhow!("no plan {name:?}: free, basic or premium"))
}

#[derive(Subcommand, Debug)]
enum InviteCommand {
    /// Create an invite link to a server.
    Create {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        to: String,
        /// Seconds until it expires (0: never; default 7 days).
        #[arg(long)]
        max_age: Option<u64>,
        /// How many people may use it.
        #[arg(long)]
        max_uses: Option<u32>,
    },
    /// Join a server with an invite code or link.
    Accept {
        /// The code, or a pq://invite/CODE link.
        code: String,
    },
    /// Invite someone to a server by username or email address (they get
    /// it in their app, or by mail).
    Send {
        /// Server name or id.
        #[arg(value_name = "SERVER")]
        to: String,
        /// Their username or email address.
        who: String,
    },
    /// The invites sent to you that wait for your answer.
    List,
    /// Decline an invite sent to you.
    Decline {
        /// The code, or a pq://invite/CODE link.
        code: String,
    },
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let verbose = cli.verbose;
    match start(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // What went wrong and why, one cause a line; a backtrace only
            // when asked for with -v (not because RUST_BACKTRACE is set).
            if verbose {
                eprintln!("Error: {e:?}");
            } else {
                eprintln!("Error: {e}");
                for cause in e.chain().skip(1) {
                    eprintln!("  because: {cause}");
                }
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn start(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("PQ_LOG").unwrap_or_else(|_| EnvFilter::new("warn")))
        .with_writer(std::io::stderr)
        .init();
    let data_dir = match &cli.data_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    let mut config = ClientConfig::new(cli.server.clone(), data_dir);
    config.keychain = cli.keychain;
    let mut auth = AuthOptions::new(cli.server.clone()).browser(Arc::new(|url: &str| -> Result<(), AuthError> {
        eprintln!("Opening your browser to sign in. If it does not open, visit:\n  {url}");
        let _ = pq_core::auth::SystemBrowser.open(url);
        Ok(())
    }));
    if let Some(port) = cli.login_port {
        auth = auth.loopback(LoopbackConfig::fixed("localhost", port));
    }
    config.auth = Some(auth);
    let client = Client::start(config).await.context("starting pq")?;
    let result = run(&cli, &client).await;
    client.shutdown().await;
    result.map_err(|e| match e.downcast_ref::<pq_core::Error>() {
        Some(pq_core::Error::NotSignedIn) => anyhow::anyhow!("not signed in: run pq login"),
        _ => e,
    })
}

use pq_core::auth::Browser as _;

fn default_data_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .context("no data directory: pass --data-dir")?;
    Ok(base.join("pq").join("client"))
}

async fn run(cli: &Cli, client: &Client) -> anyhow::Result<()> {
    match &cli.command {
        Command::Login => {
            let me = client.sign_in().await?;
            out(cli, &me, || {
                format!("Signed in as {} ({}).", me.display_name, me.email.as_deref().unwrap_or("no email"))
            });
        }
        Command::Profile { name, username, about, avatar, remove_avatar } => {
            let mut me = client.me().ok_or_else(|| anyhow::anyhow!("not signed in: run `pq login`"))?;
            if let Some(name) = name {
                me = client.set_display_name(name).await?;
            }
            if let Some(username) = username {
                me = client.set_username(username).await?;
            }
            if let Some(about) = about {
                me = client.set_about(about).await?;
            }
            if let Some(path) = avatar {
                let image = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                me = client.set_avatar(image).await?;
            }
            if *remove_avatar {
                me = client.remove_avatar().await?;
            }
            out(cli, &me, || {
                format!(
                    "{}{} ({}){}",
                    me.display_name,
                    me.username.as_deref().map(|u| format!(" @{u}")).unwrap_or_default(),
                    me.email.as_deref().unwrap_or("no email"),
                    me.avatar_url.as_deref().map(|a| format!(", picture {a}")).unwrap_or_default()
                ) + &me.about.as_deref().map(|a| format!("\n{a}")).unwrap_or_default()
            });
        }
        Command::Status { status, text, for_, clear } => {
            let mut me = client.me().ok_or_else(|| anyhow::anyhow!("not signed in: run `pq login`"))?;
            // Online first: a `ready` arriving after the change would bring the old status back.
            settle(client, cli.wait).await;
            if let Some(status) = status {
                client.set_status(*status).await?;
            }
            if let Some(text) = text {
                let expires_at = for_.map(|d| Timestamp::now().plus_millis(d.as_millis() as i64));
                me = client.set_custom_status(Some(CustomStatus { text: text.clone(), expires_at })).await?;
            } else if *clear {
                me = client.set_custom_status(None).await?;
            }
            let status = client.status();
            let custom = me.custom_status.filter(|c| c.is_live(Timestamp::now()));
            out(cli, &serde_json::json!({"status": status, "custom_status": custom}), || {
                let mut line = status_name(status).to_owned();
                if let Some(c) = &custom {
                    line += &format!(" · {}", c.text);
                    if let Some(t) = c.expires_at {
                        line += &format!(" (until {t})");
                    }
                }
                line
            });
        }
        Command::Friends { action } => {
            settle(client, cli.wait).await;
            match action {
                None => print_relationships(cli, &client.relationships()?),
                Some(FriendsCommand::Add { who }) => {
                    // Someone I can name here (a request, a server member), else a username or an email.
                    let r = match find_person(client, who).await {
                        Ok(id) if !who.contains('@') => client.add_friend(id).await?,
                        _ => client.add_friend_by(who).await?,
                    };
                    print_relationships(cli, &[r]);
                }
                Some(FriendsCommand::Accept { who }) => {
                    let r = client.add_friend(find_person(client, who).await?).await?;
                    print_relationships(cli, &[r]);
                }
                Some(FriendsCommand::Block { who }) => {
                    let r = client.block(find_person(client, who).await?).await?;
                    print_relationships(cli, &[r]);
                }
                Some(FriendsCommand::Remove { who } | FriendsCommand::Unblock { who }) => {
                    client.remove_relationship(find_person(client, who).await?).await?;
                    out(cli, &serde_json::json!({"removed": who}), || {
                        format!("Done: {who} is no longer on your list.")
                    });
                }
            }
        }
        Command::Logout => {
            client.sign_out().await?;
            out(cli, &serde_json::json!({"signed_out": true}), || "Signed out.".into());
        }
        Command::Servers => {
            settle(client, cli.wait).await;
            let servers = client.servers()?;
            if cli.json {
                for s in &servers {
                    println!(
                        "{}",
                        serde_json::json!({"id": s.server.id, "name": s.server.name, "role": my_standing(client, s), "members": s.member_count})
                    );
                }
            } else if servers.is_empty() {
                println!("You are in no server yet. Accept an invite: pq invite accept CODE");
            } else {
                for s in &servers {
                    println!(
                        "{}  {}  ({}, {} members)",
                        s.server.id,
                        s.server.name,
                        my_standing(client, s),
                        s.member_count
                    );
                }
            }
        }
        Command::Channels { of } => {
            settle(client, cli.wait).await;
            let s = find_server(client, of)?;
            for c in client.channels(s.server.id)? {
                if cli.json {
                    println!(
                        "{}",
                        serde_json::json!({"id": c.channel.id, "name": c.channel.name, "kind": c.channel.kind, "unread": c.unread_count})
                    );
                } else {
                    let unread =
                        if c.unread_count > 0 { format!("  ({} unread)", c.unread_count) } else { String::new() };
                    println!("{}  {:9} {}{unread}", c.channel.id, c.channel.kind.as_str(), c.channel.name);
                }
            }
        }
        Command::Send { channel, text, files } => {
            let c = find_channel(client, channel, cli.wait).await?;
            let staged = files.iter().map(|f| client.stage_path(f).map(|s| s.id)).collect::<Result<Vec<_>, _>>()?;
            send_files_and_wait(client, cli, c.channel.id, text, &staged).await?;
        }
        Command::Dm { who, text, limit } => {
            settle(client, cli.wait).await;
            let person = find_person(client, who).await?;
            let dm = match client.dm_with(person)? {
                Some(id) if text.is_none() => id,
                _ => client.open_dm(vec![person], None).await?.channel.id,
            };
            match text {
                Some(text) => send_and_wait(client, cli, dm, text).await?,
                None => {
                    let t = client.timeline(dm, None, *limit).await?;
                    let names = Names::load(client, None, &t.messages).await;
                    for m in &t.messages {
                        print_message(cli, &names, m);
                    }
                }
            }
        }
        Command::Dms => {
            settle(client, cli.wait).await;
            let me = client.me().map(|m| m.id);
            let dms = client.dms()?;
            if cli.json {
                for d in &dms {
                    println!("{}", serde_json::to_string(d)?);
                }
            } else if dms.is_empty() {
                println!("No direct messages yet. Write to someone: pq dm NAME \"text\"");
            } else {
                for d in &dms {
                    let others: Vec<&str> = d
                        .channel
                        .members
                        .iter()
                        .filter(|u| Some(u.id) != me)
                        .map(|u| u.display_name.as_str())
                        .collect();
                    let title = d.channel.name.clone().unwrap_or_else(|| others.join(", "));
                    let unread =
                        if d.unread_count > 0 { format!("  ({} unread)", d.unread_count) } else { String::new() };
                    println!("{}  {title}{unread}", d.channel.id);
                }
            }
        }
        Command::History { channel, limit } => {
            let c = find_channel(client, channel, cli.wait).await?;
            settle(client, cli.wait).await;
            let t = client.timeline(c.channel.id, None, *limit).await?;
            let names = Names::load(client, Some(c.channel.server_id), &t.messages).await;
            for m in &t.messages {
                print_message(cli, &names, m);
            }
            for p in &t.pending {
                if cli.json {
                    println!("{}", serde_json::to_string(p)?);
                } else {
                    println!("(pending) {}", p.body);
                }
            }
        }
        Command::Event(EventCommand::List) => {
            let events = client.paid_events().await?;
            out(cli, &events, || {
                if events.is_empty() {
                    return "No paid events.".to_owned();
                }
                events.iter().map(paid_event_line).collect::<Vec<_>>().join("\n")
            });
        }
        Command::Event(EventCommand::Buy { event, entries, no_browser }) => {
            let c = client.buy_entries(event, *entries).await?;
            if !no_browser {
                use pq_core::auth::Browser as _;
                if let Err(e) = pq_core::auth::SystemBrowser.open(&c.url) {
                    eprintln!("{e}");
                }
            }
            out(cli, &c, || format!("Pay ₩{} in your browser: {}", c.amount_krw, c.url));
        }
        Command::Event(EventCommand::Verify { event }) => {
            let (p, v) = client.verify_draw(event).await?;
            let name = |id: Option<pq_core::protocol::UserId>| {
                id.map_or_else(
                    || "nobody".to_owned(),
                    |id| {
                        p.participants
                            .iter()
                            .find(|x| x.user_id == id)
                            .map_or_else(|| id.to_string(), |x| format!("{} ({id})", x.display_name))
                    },
                )
            };
            let json = serde_json::json!({
                "event_id": p.event.id, "commitment_ok": v.commitment_ok,
                "recomputed": v.recomputed, "announced": v.announced, "holds": v.holds(),
            });
            out(cli, &json, || {
                let mut s = format!(
                    "{}: seed {} the commitment {}\n{} participants, {} entries\nRecomputed winner: {}\nAnnounced winner: {}",
                    p.event.title,
                    if v.commitment_ok { "matches" } else { "DOES NOT match" },
                    p.event.commitment,
                    p.participants.len(),
                    p.participants.iter().map(|x| u64::from(x.entries)).sum::<u64>(),
                    name(v.recomputed),
                    name(v.announced),
                );
                s.push_str(if v.holds() { "\nThe draw holds." } else { "\nThe draw DOES NOT hold." });
                s
            });
            if !v.holds() {
                std::process::exit(3);
            }
        }
        Command::Admin(AdminCommand::EventCreate { title, price, starts_in_hours, hours }) => {
            let now = pq_core::protocol::Timestamp::now();
            let starts_at = now.plus_millis(i64::from(*starts_in_hours) * 3_600_000);
            let spec = pq_core::protocol::models::CreatePaidEvent {
                title: title.clone(),
                entry_price_krw: *price,
                starts_at,
                ends_at: starts_at.plus_millis(i64::from((*hours).max(1)) * 3_600_000),
            };
            let e = client.create_paid_event(&spec).await?;
            out(cli, &e, || paid_event_line(&e));
        }
        Command::Admin(AdminCommand::EventAction { event, action }) => {
            let e = client.paid_event_action(event, action).await?;
            out(cli, &e, || paid_event_line(&e));
        }
        Command::Membership => {
            let m = client.membership().await?;
            out(cli, &m, || {
                let mut s = format!("Plan: {}", m.plan.as_str());
                if let Some(end) = m.period_end {
                    let how = if m.cancel_at_period_end { "ends" } else { "renew by" };
                    s.push_str(&format!(" ({how} {})", end.to_rfc3339()));
                }
                for p in &m.payments {
                    s.push_str(&format!("\n{}", payment_line(p)));
                }
                s
            });
        }
        Command::Buy { plan, no_browser } => {
            let c = client.checkout(plan_named(plan)?).await?;
            if !no_browser {
                use pq_core::auth::Browser as _;
                if let Err(e) = pq_core::auth::SystemBrowser.open(&c.url) {
                    eprintln!("{e}");
                }
            }
            out(cli, &c, || format!("Pay ₩{} in your browser: {}", c.amount_krw, c.url));
        }
        Command::Ledger { order } => {
            let entries = client.payment_ledger(order).await?;
            out(cli, &entries, || {
                entries
                    .iter()
                    .map(|e| {
                        let by = e.actor.map_or_else(|| "Toss or the schedule".to_owned(), |a| a.to_string());
                        format!(
                            "{}  {}  {}  ₩{}  {:?}  by {by}{}",
                            e.seq,
                            e.at.to_rfc3339(),
                            e.action,
                            e.amount_krw,
                            e.status,
                            e.note.as_deref().map(|n| format!("  ({n})")).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Refund { order, amount, reason } => {
            let p = client.refund(order, *amount, reason).await?;
            out(cli, &p, || payment_line(&p));
        }
        Command::Admin(AdminCommand::Payments) => {
            let page = client.admin_payments(None, 100).await?;
            out(cli, &page, || {
                let mut s = format!("Taken in ₩{}, given back ₩{}", page.paid_krw, page.refunded_krw);
                for p in &page.payments {
                    s.push_str(&format!("\n{}  {}", p.user_id, payment_line(p)));
                }
                s
            });
        }
        Command::Admin(AdminCommand::Reconcile) => {
            let r = client.reconcile().await?;
            out(cli, &r, || {
                if r.mismatches.is_empty() {
                    return format!("The ledger and Toss agree ({} orders checked).", r.checked);
                }
                let mut s = format!("{} of {} orders differ:", r.mismatches.len(), r.checked);
                for m in &r.mismatches {
                    s.push_str(&format!("\n{}  ours: {}  Toss: {}", m.order_id, m.ours, m.theirs));
                }
                s
            });
        }
        Command::Admin(AdminCommand::Users { plan }) => {
            let plan = plan.as_deref().map(plan_named).transpose()?;
            let page = client.admin_accounts(plan, None, 100).await?;
            out(cli, &page, || {
                let mut s: String =
                    page.plans.iter().map(|p| format!("{}: {}  ", p.plan.as_str(), p.accounts)).collect();
                for a in &page.accounts {
                    let admin = if a.is_admin { " (admin)" } else { "" };
                    s.push_str(&format!(
                        "\n{}  {}  {}  {}{admin}",
                        a.user.id,
                        a.plan.as_str(),
                        a.user.display_name,
                        a.email.as_deref().unwrap_or("-")
                    ));
                }
                if page.has_more {
                    s.push_str("\n(newest 100 shown)");
                }
                s
            });
        }
        Command::Admin(AdminCommand::Plan { who, plan }) => {
            let plan = plan_named(plan)?;
            let id = match who.parse::<pq_core::protocol::UserId>() {
                Ok(id) => id,
                Err(_) => {
                    let mut before = None;
                    let mut found = None;
                    while found.is_none() {
                        let page = client.admin_accounts(None, before, 100).await?;
                        found = page
                            .accounts
                            .iter()
                            .find(|a| a.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(who)))
                            .map(|a| a.user.id);
                        if !page.has_more {
                            break;
                        }
                        before = page.accounts.last().map(|a| a.user.id);
                    }
                    found.ok_or_else(|| anyhow::anyhow!("no account with the email {who}"))?
                }
            };
            client.set_plan(id, plan).await?;
            out(cli, &serde_json::json!({ "user_id": id, "plan": plan }), || {
                format!("{who} is on {} now.", plan.as_str())
            });
        }
        Command::Version => {
            let mine = (env!("CARGO_PKG_VERSION"), pq_core::protocol::gateway::PROTOCOL_VERSION);
            let server = client.api().health().await;
            let json = serde_json::json!({
                "version": mine.0,
                "commit": env!("PQ_COMMIT"),
                "protocol": mine.1,
                "server": cli.server.to_string(),
                "server_version": server.as_ref().ok().map(|h| h.version.clone()),
                "server_protocol": server.as_ref().ok().and_then(|h| h.protocol),
            });
            out(cli, &json, || {
                let there = match &server {
                    Ok(h) => match h.protocol {
                        Some(p) => format!("pq-server {}, protocol v{p}", h.version),
                        None => format!("pq-server {}", h.version),
                    },
                    Err(e) => format!("not reachable now ({e})"),
                };
                format!("pq {} ({}), protocol v{}\nserver {}: {there}", mine.0, env!("PQ_COMMIT"), mine.1, cli.server)
            });
        }
        Command::Admin(AdminCommand::Toast { text }) => {
            let toast = client.send_toast(text).await?;
            out(cli, &toast, || format!("Shown to everyone connected: {}", toast.text));
        }
        Command::Download { id, to, name } => {
            let name = name.clone().unwrap_or_else(|| id.to_string());
            let name = std::path::Path::new(&name).file_name().map(std::ffi::OsStr::to_owned).unwrap_or_default();
            anyhow::ensure!(!name.is_empty(), "a file name is needed");
            let dest = to.join(name);
            let n = client.download(*id, &dest, &|_, _| {}).await?;
            out(cli, &serde_json::json!({ "saved": dest, "bytes": n }), || {
                format!("Saved {} ({n} bytes).", dest.display())
            });
        }
        Command::Tail { channel, limit } => {
            let c = find_channel(client, channel, cli.wait).await?;
            let mut events = client.subscribe();
            let t = client.timeline(c.channel.id, None, *limit).await?;
            let mut names = Names::load(client, Some(c.channel.server_id), &t.messages).await;
            for m in &t.messages {
                print_message(cli, &names, m);
            }
            loop {
                match events.recv().await {
                    Ok(Event::Message { message, live: true, .. }) if message.channel_id == c.channel.id => {
                        if !names.knows(message.author_id) {
                            names =
                                Names::load(client, Some(c.channel.server_id), std::slice::from_ref(&message)).await;
                        }
                        print_message(cli, &names, &message);
                    }
                    Ok(Event::Connection { state }) if !cli.json => eprintln!("-- {}", describe(&state)),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    _ => {}
                }
            }
        }
        Command::Search { text, limit } => {
            let hits = client.search(text, None, None, *limit)?;
            if hits.is_empty() && !cli.json {
                println!("No cached message matches.");
            }
            let mut names = Names::default();
            for h in &hits {
                if !names.knows(h.message.author_id) {
                    names.extend(Names::load(client, h.server_id, std::slice::from_ref(&h.message)).await);
                }
                print_message(cli, &names, &h.message);
            }
        }
        Command::Server(cmd) => run_server(client, cli, cmd).await?,
        Command::Role(cmd) => run_role(client, cli, cmd).await?,
        Command::Access { channel, private, public, role, user } => {
            let c = find_channel(client, channel, cli.wait).await?;
            let server = find_server(client, &c.channel.server_id.to_string())?;
            let access = if *private || *public {
                let mut roles = Vec::new();
                for r in role {
                    roles.push(find_role(&server, r)?.id);
                }
                let mut users = Vec::new();
                for u in user {
                    users.push(find_person(client, u).await?);
                }
                client.set_channel_access(c.channel.id, ChannelAccess { private: *private, roles, users }).await?
            } else {
                client.channel_access(c.channel.id).await?
            };
            out(cli, &access, || {
                if !access.private {
                    return format!("#{} is seen by everyone in {}.", c.channel.name, server.server.name);
                }
                let roles: Vec<String> = access
                    .roles
                    .iter()
                    .map(|id| {
                        server.roles.iter().find(|r| r.id == *id).map_or_else(|| id.to_string(), |r| r.name.clone())
                    })
                    .collect();
                format!(
                    "#{} is private: roles {}; {} people named (administrators always see it).",
                    c.channel.name,
                    if roles.is_empty() { "none".into() } else { roles.join(", ") },
                    access.users.len()
                )
            });
        }
        Command::Events { of } => {
            settle(client, cli.wait).await;
            let only = match of {
                Some(of) => Some(find_server(client, of)?.server.id),
                None => None,
            };
            let names: std::collections::HashMap<_, _> =
                client.servers()?.into_iter().map(|s| (s.server.id, s.server.name)).collect();
            let events: Vec<_> =
                client.upcoming_events().into_iter().filter(|(e, _)| only.is_none_or(|s| s == e.server_id)).collect();
            if cli.json {
                for (e, start) in &events {
                    println!("{}", serde_json::json!({"event": e, "next_start": start}));
                }
            } else if events.is_empty() {
                println!("Nothing is scheduled.");
            } else {
                let me = client.me().map(|m| m.id);
                for (e, start) in &events {
                    let server = names.get(&e.server_id).map_or("?", String::as_str);
                    let weekly = if e.repeat.is_some() { ", weekly" } else { "" };
                    let going = if me.is_some_and(|m| e.interested.contains(&m)) { ", interested" } else { "" };
                    println!("{start}  {}  ({server}{weekly}{going}, {} interested)", e.title, e.interested.len());
                }
            }
        }
        Command::Invite(InviteCommand::Create { to, max_age, max_uses }) => {
            settle(client, cli.wait).await;
            let s = find_server(client, to)?;
            let invite =
                client.create_invite(s.server.id, CreateInvite { max_age_secs: *max_age, max_uses: *max_uses }).await?;
            out(cli, &invite, || format!("{}  (code {})", invite.url, invite.code));
        }
        Command::Invite(InviteCommand::Send { to, who }) => {
            settle(client, cli.wait).await;
            let s = find_server(client, to)?;
            let sent = client.send_invite(s.server.id, who).await?;
            out(cli, &sent, || match sent.delivery {
                InviteDelivery::InApp => format!("Sent to {who}: it waits in their app."),
                InviteDelivery::Email => format!("Mailed to {who}."),
                InviteDelivery::NotSent => format!(
                    "Nobody has a pq account with that address, and the server sends no mail: send them {} yourself.",
                    sent.invite.url
                ),
            });
        }
        Command::Invite(InviteCommand::List) => {
            settle(client, cli.wait).await;
            let invites = client.pending_invites();
            if cli.json {
                for i in &invites {
                    println!("{}", serde_json::to_string(i)?);
                }
            } else if invites.is_empty() {
                println!("No invite waits for you.");
            } else {
                for i in &invites {
                    let p = &i.preview;
                    println!(
                        "{}  {}  (from {}, {} members)",
                        p.code, p.server_name, p.inviter.display_name, p.member_count
                    );
                }
            }
        }
        Command::Invite(InviteCommand::Decline { code }) => {
            let code = code.trim().trim_start_matches("pq://invite/").trim_end_matches('/').to_owned();
            client.decline_invite(&InviteCode(code.clone())).await?;
            out(cli, &serde_json::json!({"declined": code}), || "Declined.".into());
        }
        Command::Invite(InviteCommand::Accept { code }) => {
            let code = code.trim().trim_start_matches("pq://invite/").trim_end_matches('/').to_owned();
            let state = client.accept_invite(&InviteCode(code)).await?;
            out(cli, &state.server, || format!("Joined {}.", state.server.name));
        }
    }
    Ok(())
}

/// The role of `server` named (case does not matter) or numbered `wanted`.
fn find_role(server: &CachedServer, wanted: &str) -> anyhow::Result<ServerRole> {
    let name = wanted.trim().trim_start_matches('@').to_lowercase();
    server
        .roles
        .iter()
        .find(|r| r.id.to_string() == wanted.trim() || r.name.trim_start_matches('@').to_lowercase() == name)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("{} has no role called {wanted:?}", server.server.name))
}

/// What a server calls me: owner, or my highest role.
fn my_standing(client: &Client, s: &CachedServer) -> String {
    if client.me().is_some_and(|me| me.id == s.server.owner_id) {
        return "owner".into();
    }
    s.roles.iter().rev().find(|r| s.my_roles.contains(&r.id)).map_or_else(|| "member".into(), |r| r.name.clone())
}

/// `pq role …`.
async fn run_role(client: &Client, cli: &Cli, cmd: &RoleCommand) -> anyhow::Result<()> {
    settle(client, cli.wait).await;
    let of = match cmd {
        RoleCommand::List { of }
        | RoleCommand::Create { of, .. }
        | RoleCommand::Edit { of, .. }
        | RoleCommand::Delete { of, .. }
        | RoleCommand::Give { of, .. }
        | RoleCommand::Take { of, .. } => of,
    };
    let s = find_server(client, of)?;
    let id = s.server.id;
    match cmd {
        RoleCommand::List { .. } => {
            for r in s.roles.iter().rev() {
                if cli.json {
                    println!("{}", serde_json::to_string(r)?);
                } else {
                    let allows: Vec<String> = r
                        .permissions
                        .iter()
                        .map(|p| serde_json::to_value(p).unwrap().as_str().unwrap().to_owned())
                        .collect();
                    let color = if r.color == 0 { String::new() } else { format!("  #{:06x}", r.color) };
                    println!("{}  {}{color}  ({})", r.position, r.name, allows.join(", "));
                }
            }
        }
        RoleCommand::Create { name, color, allow, .. } => {
            let req = CreateRole { name: name.clone(), color: *color, permissions: Some(allow.clone()) };
            let role = client.create_role(id, req).await?;
            out(cli, &role, || format!("Created the role {} in {}.", role.name, s.server.name));
        }
        RoleCommand::Edit { role, name, color, allow, position, .. } => {
            let target = find_role(&s, role)?;
            let req = UpdateRole {
                name: name.clone(),
                color: *color,
                position: *position,
                permissions: allow.clone().map(|mut a| {
                    a.dedup();
                    a
                }),
            };
            let role = client.update_role(id, target.id, req).await?;
            out(cli, &role, || format!("Changed the role {}.", role.name));
        }
        RoleCommand::Delete { role, .. } => {
            let target = find_role(&s, role)?;
            client.delete_role(id, target.id).await?;
            out(cli, &serde_json::json!({"deleted": target.id}), || format!("Deleted the role {}.", target.name));
        }
        RoleCommand::Give { role, who, .. } | RoleCommand::Take { role, who, .. } => {
            let give = matches!(cmd, RoleCommand::Give { .. });
            let target = find_role(&s, role)?;
            let user = find_person(client, who).await?;
            client.set_member_role(id, user, target.id, give).await?;
            out(cli, &serde_json::json!({"user": user, "role": target.id, "holds": give}), || {
                if give {
                    format!("{who} now has the role {}.", target.name)
                } else {
                    format!("{who} no longer has the role {}.", target.name)
                }
            });
        }
    }
    Ok(())
}

/// `pq server …`.
async fn run_server(client: &Client, cli: &Cli, cmd: &ServerCommand) -> anyhow::Result<()> {
    use pq_core::protocol::models::PurgeWindow;
    if let ServerCommand::Create { name } = cmd {
        let state = client.create_server(name).await?;
        out(cli, &state.server, || format!("Created {} ({}).", state.server.name, state.server.id));
        return Ok(());
    }
    settle(client, cli.wait).await;
    let which = match cmd {
        ServerCommand::Create { .. } => unreachable!("handled above"),
        ServerCommand::Rename { of, .. }
        | ServerCommand::Leave { of }
        | ServerCommand::Delete { of, .. }
        | ServerCommand::Kick { of, .. }
        | ServerCommand::Ban { of, .. }
        | ServerCommand::Unban { of, .. }
        | ServerCommand::Bans { of }
        | ServerCommand::Transfer { of, .. } => find_server(client, of)?,
    };
    let id = which.server.id;
    match cmd {
        ServerCommand::Create { .. } => unreachable!("handled above"),
        ServerCommand::Rename { name, .. } => {
            let s = client.rename_server(id, name).await?;
            out(cli, &s, || format!("Renamed to {}.", s.name));
        }
        ServerCommand::Leave { .. } => {
            client.leave_server(id).await?;
            out(cli, &serde_json::json!({"left": id}), || format!("You left {}.", which.server.name));
        }
        ServerCommand::Delete { confirm, .. } => {
            if confirm != &which.server.name {
                bail!("to delete {:?}, give its name exactly: --confirm {:?}", which.server.name, which.server.name);
            }
            client.delete_server(id).await?;
            out(cli, &serde_json::json!({"deleted": id}), || format!("Deleted {}.", which.server.name));
        }
        ServerCommand::Kick { who, .. } => {
            let user = find_person(client, who).await?;
            client.kick(id, user).await?;
            out(cli, &serde_json::json!({"removed": user}), || format!("Removed {who} from {}.", which.server.name));
        }
        ServerCommand::Ban { who, purge, .. } => {
            let user = find_person(client, who).await?;
            let purge = match purge.as_deref() {
                Some("hour") => Some(PurgeWindow::Hour),
                Some("day") => Some(PurgeWindow::Day),
                Some("week") => Some(PurgeWindow::Week),
                _ => None,
            };
            client.ban(id, user, purge).await?;
            out(cli, &serde_json::json!({"banned": user}), || format!("Banned {who} from {}.", which.server.name));
        }
        ServerCommand::Unban { who, .. } => {
            let bans = client.bans(id).await?;
            let wanted = who.trim().to_lowercase();
            let user = match who.parse::<UserId>() {
                Ok(user) => user,
                Err(_) => bans
                    .iter()
                    .find(|b| b.user.display_name.to_lowercase() == wanted)
                    .map(|b| b.user.id)
                    .ok_or_else(|| anyhow::anyhow!("nobody called {who:?} is banned from {}", which.server.name))?,
            };
            client.unban(id, user).await?;
            out(cli, &serde_json::json!({"unbanned": user}), || format!("{who} may join {} again.", which.server.name));
        }
        ServerCommand::Transfer { to, confirm, .. } => {
            if confirm != &which.server.name {
                bail!("to hand {:?} over, give its name exactly: --confirm {:?}", which.server.name, which.server.name);
            }
            let user = find_person(client, to).await?;
            client.transfer_server(id, user).await?;
            out(cli, &serde_json::json!({"owner": user}), || format!("{to} now owns {}.", which.server.name));
        }
        ServerCommand::Bans { .. } => {
            let bans = client.bans(id).await?;
            if cli.json {
                for b in &bans {
                    println!("{}", serde_json::to_string(b)?);
                }
            } else if bans.is_empty() {
                println!("Nobody is banned from {}.", which.server.name);
            } else {
                for b in &bans {
                    println!("{}  {}  (since {})", b.user.id, b.user.display_name, b.created_at);
                }
            }
        }
    }
    Ok(())
}

fn out<T: serde::Serialize>(cli: &Cli, value: &T, human: impl FnOnce() -> String) {
    if cli.json {
        println!("{}", serde_json::to_string(value).unwrap_or_default());
    } else {
        println!("{}", human());
    }
}

/// Authors' names: from the cache, and from the server's member list for
/// anyone the cache does not know yet (when online).
#[derive(Default)]
struct Names(std::collections::HashMap<pq_core::protocol::UserId, String>);

impl Names {
    async fn load(client: &Client, server: Option<pq_core::protocol::ServerId>, messages: &[Message]) -> Self {
        let mut names = Self::default();
        let mut unknown = false;
        for m in messages {
            match client.user(m.author_id).ok().flatten() {
                Some(u) => {
                    names.0.insert(u.id, u.display_name);
                }
                None => unknown = true,
            }
        }
        if unknown
            && let Some(server) = server
            && let Ok(members) = client.api().members(server).await
        {
            names.0.extend(members.into_iter().map(|m| (m.user.id, m.user.display_name)));
        }
        names
    }

    fn knows(&self, id: pq_core::protocol::UserId) -> bool {
        self.0.contains_key(&id)
    }

    fn extend(&mut self, other: Self) {
        self.0.extend(other.0);
    }

    /// The name, or (someone who left and was never cached) the id's start.
    fn of(&self, id: pq_core::protocol::UserId) -> String {
        self.0.get(&id).cloned().unwrap_or_else(|| id.to_string()[..8].to_owned())
    }
}

fn print_message(cli: &Cli, names: &Names, m: &Message) {
    if cli.json {
        println!("{}", serde_json::to_string(m).unwrap_or_default());
        return;
    }
    let who = names.of(m.author_id);
    let body = if m.deleted { "(deleted)".to_owned() } else { m.body.clone() };
    println!("[{}] {who}: {body}", m.created_at);
    for a in &m.attachments {
        let dims = a.width.zip(a.height).map(|(w, h)| format!(", {w}×{h}")).unwrap_or_default();
        println!("    📎 {} ({} bytes, {}{dims}) id {}", a.filename, a.size, a.content_type, a.id);
    }
}

fn describe(state: &ConnectionState) -> String {
    match state {
        ConnectionState::SignedOut => "signed out: run pq login".into(),
        ConnectionState::Connecting => "connecting".into(),
        ConnectionState::Syncing { done, total } => format!("catching up ({done}/{total})"),
        ConnectionState::Online => "online".into(),
        ConnectionState::Reconnecting { retry_in_ms, reason } => {
            format!("offline ({reason}); retrying in {:.1} s", *retry_in_ms as f64 / 1000.0)
        }
        ConnectionState::SessionExpired => "session expired: run pq login".into(),
    }
}

/// Waits (at most `secs`) for the engine to be online and caught up, so
/// lists are fresh; answers from the cache otherwise.
/// Queues a message and waits (up to twice `--wait`) for the server to
/// take it, refuse it, or for it to stay queued.
async fn send_and_wait(client: &Client, cli: &Cli, channel: ChannelId, text: &str) -> anyhow::Result<()> {
    send_files_and_wait(client, cli, channel, text, &[]).await
}

/// [`send_and_wait`] with staged files (their upload may take a while: up
/// to ten minutes more).
async fn send_files_and_wait(
    client: &Client,
    cli: &Cli,
    channel: ChannelId,
    text: &str,
    files: &[String],
) -> anyhow::Result<()> {
    let mut events = client.subscribe();
    let entry = client.send_with_files(channel, text, None, files).await?;
    let id = entry.client_id;
    let wait = cli.wait.max(1) * 2 + if files.is_empty() { 0 } else { 600 };
    let outcome = tokio::time::timeout(Duration::from_secs(wait), async {
        loop {
            match events.recv().await {
                Ok(Event::OutboxRemoved { client_id, .. }) if client_id == id => return Ok(()),
                // Another pq on the same cache may have taken the acknowledgement.
                Ok(Event::Message { message, .. }) if message.client_id == id => return Ok(()),
                Ok(Event::Outbox { entry }) if entry.client_id == id => {
                    if let pq_core::store::OutboxState::Failed { reason } = entry.state {
                        return Err(reason);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return Err("pq stopped".into()),
                _ => {}
            }
        }
    })
    .await;
    match outcome {
        Ok(Ok(())) => out(cli, &serde_json::json!({"sent": true, "client_id": id}), || "Sent.".into()),
        Ok(Err(reason)) => bail!("the server refused the message: {reason}"),
        Err(_) => out(cli, &serde_json::json!({"sent": false, "queued": true, "client_id": id}), || {
            "Queued: the server is not reachable now. It will be sent the next time pq is online.".into()
        }),
    }
    Ok(())
}

async fn settle(client: &Client, secs: u64) {
    let mut rx = client.connection();
    let _ = tokio::time::timeout(Duration::from_secs(secs), async {
        loop {
            match &*rx.borrow_and_update() {
                ConnectionState::Online | ConnectionState::SignedOut | ConnectionState::SessionExpired => return,
                _ => {}
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    })
    .await;
}

fn find_server(client: &Client, wanted: &str) -> anyhow::Result<CachedServer> {
    let servers = client.servers().map_err(|e| match e {
        pq_core::Error::NotSignedIn => anyhow::anyhow!("not signed in: run pq login"),
        other => other.into(),
    })?;
    let matches: Vec<CachedServer> = servers
        .into_iter()
        .filter(|s| s.server.id.to_string() == wanted || s.server.name.eq_ignore_ascii_case(wanted))
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().expect("one")),
        0 => bail!("no server called {wanted:?}; see pq servers"),
        _ => bail!("several servers are called {wanted:?}; use its id (pq servers)"),
    }
}

async fn find_channel(client: &Client, wanted: &str, wait: u64) -> anyhow::Result<CachedChannel> {
    let lookup = || -> anyhow::Result<Vec<CachedChannel>> {
        let (server, name) = match wanted.rsplit_once('/') {
            Some((s, n)) => (Some(s), n),
            None => (None, wanted),
        };
        let mut found = Vec::new();
        for s in client.servers().map_err(|e| match e {
            pq_core::Error::NotSignedIn => anyhow::anyhow!("not signed in: run pq login"),
            other => other.into(),
        })? {
            if server.is_some_and(|n| !(s.server.name.eq_ignore_ascii_case(n) || s.server.id.to_string() == n)) {
                continue;
            }
            for c in client.channels(s.server.id)?.into_iter().filter(|c| c.channel.kind == ChannelKind::Text) {
                let name_ok = c.channel.name.eq_ignore_ascii_case(name.trim_start_matches('#'));
                if c.channel.id.to_string() == wanted || name_ok {
                    found.push(c);
                }
            }
        }
        Ok(found)
    };
    let mut found = lookup()?;
    if found.is_empty() {
        settle(client, wait).await;
        found = lookup()?;
    }
    match found.len() {
        1 => Ok(found.into_iter().next().expect("one")),
        0 => bail!("no text channel called {wanted:?}; see pq channels SERVER"),
        _ => bail!("several channels are called {wanted:?}; write SERVER/CHANNEL or use its id"),
    }
}
