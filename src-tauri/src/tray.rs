//! The tray icon: the unread total in its tooltip and title, and a menu that
//! does everything (Linux tray icons get no clicks): show pq, mute
//! notifications, quit; during a call it says so and offers to mute the
//! microphone and leave.

use tauri::{
    AppHandle, Manager,
    menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem},
    tray::TrayIconBuilder,
};

use crate::{Desktop, UiEvent, lock, show_main};

/// The tray icon's id.
pub const ID: &str = "main";

/// Creates the tray icon.
///
/// # Errors
/// When the menu or icon cannot be built.
pub fn create(app: &AppHandle) -> tauri::Result<()> {
    let menu = menu(app, None)?;
    let mut builder =
        TrayIconBuilder::with_id(ID).menu(&menu).tooltip("pq").on_menu_event(|app, event| match event.id().as_ref() {
            "show" => show_main(app),
            "call-mute" => {
                let desktop = app.state::<Desktop>();
                if let Some(muted) = desktop.tray_call_state() {
                    let _ = desktop.set_voice(Some(!muted), None);
                }
            }
            "call-leave" => {
                let desktop = app.state::<Desktop>();
                tauri::async_runtime::block_on(desktop.leave_voice());
                update(app, &desktop);
            }
            "mute" => {
                let desktop = app.state::<Desktop>();
                let mut settings = lock(&desktop.settings).clone();
                settings.notifications = !settings.notifications;
                if desktop.set_settings(settings.clone()).is_ok() {
                    desktop.broadcast(&UiEvent::Settings(settings));
                }
            }
            "quit" => {
                if let Ok(client) = app.state::<Desktop>().client() {
                    tauri::async_runtime::block_on(client.shutdown());
                }
                app.exit(0);
            }
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    Ok(())
}

/// The menu; with the call's items while in one (`Some(muted)`).
fn menu(app: &AppHandle, call: Option<bool>) -> tauri::Result<Menu<tauri::Wry>> {
    let show = MenuItem::with_id(app, "show", "Show pq", true, None::<&str>)?;
    let muted = !lock(&app.state::<Desktop>().settings).notifications;
    let mute = CheckMenuItem::with_id(app, "mute", "Mute notifications", true, muted, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit pq", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    match call {
        None => Menu::with_items(app, &[&show, &mute, &separator, &quit]),
        Some(mic_muted) => {
            let mic = CheckMenuItem::with_id(app, "call-mute", "Mute microphone", true, mic_muted, None::<&str>)?;
            let leave = MenuItem::with_id(app, "call-leave", "Leave the call", true, None::<&str>)?;
            let separator2 = PredefinedMenuItem::separator(app)?;
            Menu::with_items(app, &[&show, &mic, &leave, &separator2, &mute, &separator, &quit])
        }
    }
}

/// The tooltip for `unread` messages, muted notifications, and a call.
#[must_use]
pub fn tooltip(unread: u32, muted: bool, in_call: bool) -> String {
    let mut t = match unread {
        0 => "pq".to_owned(),
        n => format!("pq — {n} unread"),
    };
    if in_call {
        t.push_str(if unread == 0 { " — in a call" } else { ", in a call" });
    }
    if muted {
        t.push_str(" (notifications muted)");
    }
    t
}

/// Shows the unread total (tooltip everywhere, title where the tray shows
/// text) and the mute state.
pub fn update(app: &AppHandle, desktop: &Desktop) {
    let Some(tray) = app.tray_by_id(ID) else { return };
    let unread = desktop.unread_total();
    let muted = !lock(&desktop.settings).notifications;
    let call = desktop.tray_call_state();
    let _ = tray.set_tooltip(Some(&tooltip(unread, muted, call.is_some())));
    let title = match (unread, call.is_some()) {
        (0, false) => None,
        (0, true) => Some("● call".to_owned()),
        (n, false) => Some(n.to_string()),
        (n, true) => Some(format!("{n} ● call")),
    };
    let _ = tray.set_title(title);
    // The menu changes with the call (and its microphone).
    let mut shown = lock(&desktop.tray_call);
    if *shown != call {
        *shown = call;
        if let Ok(m) = menu(app, call) {
            let _ = tray.set_menu(Some(m));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tooltip;

    #[test]
    fn the_tooltip_says_what_waits_and_whether_i_am_in_a_call() {
        assert_eq!(tooltip(0, false, false), "pq");
        assert_eq!(tooltip(3, false, false), "pq — 3 unread");
        assert_eq!(tooltip(0, false, true), "pq — in a call");
        assert_eq!(tooltip(2, true, true), "pq — 2 unread, in a call (notifications muted)");
        assert_eq!(tooltip(0, true, false), "pq (notifications muted)");
    }
}
