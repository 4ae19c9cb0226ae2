//! Native notifications for new messages. Clicking one shows pq and opens
//! the channel. Tauri's notification plugin has no click event on desktop,
//! so on Linux pq talks to the notification daemon directly (freedesktop
//! notifications through notify-rust, with a default action); elsewhere it
//! uses the plugin.

use pq_core::protocol::{ChannelId, ServerId};
use tauri::{AppHandle, Manager};

use crate::{Desktop, UiEvent, show_main};

/// Shows a notification; a click opens `channel`.
pub fn show(app: &AppHandle, title: &str, body: &str, server: ServerId, channel: ChannelId) {
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
                        open(&app, server, channel);
                    }
                }),
                Err(e) => tracing::debug!(error = %e, "no notification daemon"),
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_notification::NotificationExt;
        let _ = (server, channel);
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::debug!(error = %e, "cannot show a notification");
        }
    }
}

/// A notification was clicked: show pq at that channel.
fn open(app: &AppHandle, server_id: ServerId, channel_id: ChannelId) {
    show_main(app);
    app.state::<Desktop>().broadcast(&UiEvent::OpenChannel { server_id, channel_id });
}
