//! The tray icon: the unread total in its tooltip and title, and a menu that
//! does everything (Linux tray icons get no clicks): show pq, mute
//! notifications, quit.

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
    let show = MenuItem::with_id(app, "show", "Show pq", true, None::<&str>)?;
    let muted = !lock(&app.state::<Desktop>().settings).notifications;
    let mute = CheckMenuItem::with_id(app, "mute", "Mute notifications", true, muted, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit pq", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &mute, &PredefinedMenuItem::separator(app)?, &quit])?;
    let mut builder =
        TrayIconBuilder::with_id(ID).menu(&menu).tooltip("pq").on_menu_event(|app, event| match event.id().as_ref() {
            "show" => show_main(app),
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

/// Shows the unread total (tooltip everywhere, title where the tray shows
/// text) and the mute state.
pub fn update(app: &AppHandle, desktop: &Desktop) {
    let Some(tray) = app.tray_by_id(ID) else { return };
    let unread = desktop.unread_total();
    let muted = !lock(&desktop.settings).notifications;
    let tooltip = match (unread, muted) {
        (0, false) => "pq".to_owned(),
        (0, true) => "pq (notifications muted)".to_owned(),
        (n, false) => format!("pq — {n} unread"),
        (n, true) => format!("pq — {n} unread (notifications muted)"),
    };
    let _ = tray.set_tooltip(Some(&tooltip));
    let _ = tray.set_title(if unread > 0 { Some(unread.to_string()) } else { None });
}
