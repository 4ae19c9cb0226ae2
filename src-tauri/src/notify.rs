//! Native notifications for new messages and friend requests. Clicking one
//! shows pq and opens the channel, the conversation (or the friends list). Tauri's notification plugin has no click event on desktop,
//! so on Linux pq talks to the notification daemon directly (freedesktop
//! notifications through notify-rust, with a default action); elsewhere it
//! uses the plugin.

use pq_core::protocol::{ChannelId, ServerId};
use tauri::{AppHandle, Manager};

use crate::{Desktop, UiEvent, show_main};

/// What a click on a notification opens.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// A channel.
    Channel {
        /// Its server.
        server: ServerId,
        /// The channel.
        channel: ChannelId,
    },
    /// A direct-message channel on Home.
    Dm {
        /// The channel.
        channel: ChannelId,
    },
    /// The friends list on Home.
    Friends,
    /// A server (its schedule).
    Server {
        /// Which.
        server: ServerId,
    },
}

/// Whether notifications speak Korean: chosen, or the system's language
/// when none is chosen.
fn korean(settings: &crate::settings::Settings) -> bool {
    match settings.language.as_str() {
        "ko" => true,
        "system" => std::env::var("LANG").is_ok_and(|l| l.starts_with("ko")),
        _ => false,
    }
}

/// The title and text of a friend request's notification, in the app's
/// language (Korean when chosen, or when the system's is and none is chosen).
#[must_use]
pub fn friend_request(name: &str, settings: &crate::settings::Settings) -> (String, String) {
    let korean = korean(settings);
    if korean {
        (format!("{name} 님의 친구 요청"), "친구 목록에서 수락하거나 거절하세요.".to_owned())
    } else {
        (format!("Friend request from {name}"), "Accept or decline it in your friends list.".to_owned())
    }
}

/// The title and text of an event's reminder, in the app's language:
/// `minutes` before it starts, or (0) that it has started.
#[must_use]
pub fn event_reminder(
    title: &str,
    server: &str,
    minutes: u32,
    settings: &crate::settings::Settings,
) -> (String, String) {
    let korean = korean(settings);
    match (korean, minutes) {
        (true, 0) => (format!("{title} 시작"), format!("{server}의 일정이 시작되었습니다.")),
        (true, m) => (format!("{title} {m}분 전"), format!("{server}의 일정이 곧 시작됩니다.")),
        (false, 0) => (format!("{title} is starting"), format!("An event of {server} has started.")),
        (false, 1) => (format!("{title} starts in a minute"), format!("An event of {server}.")),
        (false, m) => (format!("{title} starts in {m} minutes"), format!("An event of {server}.")),
    }
}

/// The title and text of a call ringing in a conversation, in the app's
/// language.
#[must_use]
pub fn ringing(name: &str, group: Option<&str>, settings: &crate::settings::Settings) -> (String, String) {
    let korean = korean(settings);
    match (korean, group) {
        (true, None) => (format!("{name} 님의 전화"), "pq에서 받거나 거절하세요.".to_owned()),
        (true, Some(g)) => {
            (format!("{name} 님이 {g}에서 통화를 시작했습니다"), "pq에서 참여하거나 거절하세요.".to_owned())
        }
        (false, None) => (format!("{name} is calling"), "Answer or decline in pq.".to_owned()),
        (false, Some(g)) => (format!("{name} started a call in {g}"), "Join or decline in pq.".to_owned()),
    }
}

/// Shows a notification; a click opens `target`.
pub fn show(app: &AppHandle, title: &str, body: &str, target: Target) {
    let body: String = body.chars().take(200).collect();
    #[cfg(target_os = "linux")]
    {
        let (app, title) = (app.clone(), title.to_owned());
        // The daemon's answer blocks: wait for it off the async threads.
        std::thread::spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("pq")
                .summary(&title)
                .body(&body)
                .action("default", "Open")
                .hint(notify_rust::Hint::Category("im.received".into()))
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        open(&app, target);
                    }
                }),
                Err(e) => tracing::debug!(error = %e, "no notification daemon"),
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_notification::NotificationExt;
        let _ = target;
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::debug!(error = %e, "cannot show a notification");
        }
    }
}

/// A notification was clicked: show pq there.
fn open(app: &AppHandle, target: Target) {
    show_main(app);
    let event = match target {
        Target::Channel { server, channel } => UiEvent::OpenChannel { server_id: server, channel_id: channel },
        Target::Dm { channel } => UiEvent::OpenDm { channel_id: channel },
        Target::Friends => UiEvent::OpenFriends,
        Target::Server { server } => UiEvent::OpenSchedule { server_id: server },
    };
    app.state::<Desktop>().broadcast(&event);
}
