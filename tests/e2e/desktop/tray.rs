//! The desktop's tray host, as a panel is one: a StatusNotifierWatcher on the
//! session bus (the freedesktop StatusNotifierItem protocol that Linux tray
//! icons use, KDE's and GNOME's AppIndicator extension alike). Items register
//! with it; the test then reads an item's properties (its label carries pq's
//! unread total) and its menu (com.canonical.dbusmenu), and clicks menu
//! entries, as a person clicking the tray would.
// Shared with examples/desktop_bench.rs, which uses parts the tests do not.
#![allow(dead_code)]

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use zbus::{
    Connection, interface,
    message::Header,
    object_server::SignalEmitter,
    zvariant::{OwnedObjectPath, OwnedValue, Value},
};

/// Registered items: (bus name, object path).
type Items = Arc<Mutex<Vec<(String, String)>>>;

struct Watcher {
    items: Items,
}

#[interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let sender = header.sender().map(ToString::to_string).unwrap_or_default();
        // The argument is a bus name or an object path (AppIndicator sends a path).
        let (name, path) = if service.starts_with('/') {
            (sender, service.to_owned())
        } else {
            (service.to_owned(), "/StatusNotifierItem".to_owned())
        };
        self.items.lock().unwrap().push((name.clone(), path));
        let _ = Self::status_notifier_item_registered(&emitter, &name).await;
    }

    async fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().unwrap().iter().map(|(n, p)| format!("{n}{p}")).collect()
    }

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }

    #[zbus(signal)]
    async fn status_notifier_item_registered(emitter: &SignalEmitter<'_>, service: &str) -> zbus::Result<()>;
}

/// The tray host on one session bus.
pub struct TrayHost {
    conn: Connection,
    items: Items,
}

impl std::fmt::Debug for TrayHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrayHost").field("items", &self.items).finish_non_exhaustive()
    }
}

/// One entry of a tray menu.
#[derive(Debug, Clone)]
pub struct MenuEntry {
    pub id: i32,
    pub label: String,
    /// For check items: whether it is checked.
    pub checked: Option<bool>,
}

impl TrayHost {
    /// Starts the host on the bus at `address`.
    pub async fn start(address: &str) -> TrayHost {
        let items = Items::default();
        let conn = zbus::connection::Builder::address(address)
            .expect("a bus address")
            .name("org.kde.StatusNotifierWatcher")
            .expect("a bus name")
            .serve_at("/StatusNotifierWatcher", Watcher { items: items.clone() })
            .expect("the watcher")
            .build()
            .await
            .expect("the tray host connects to the session bus");
        TrayHost { conn, items }
    }

    /// The items registered so far.
    pub fn items(&self) -> Vec<(String, String)> {
        self.items.lock().unwrap().clone()
    }

    /// A property of the item `(name, path)` (org.kde.StatusNotifierItem).
    pub async fn property(&self, item: &(String, String), prop: &str) -> Option<OwnedValue> {
        let proxy = zbus::fdo::PropertiesProxy::builder(&self.conn)
            .destination(item.0.as_str())
            .ok()?
            .path(item.1.as_str())
            .ok()?
            .build()
            .await
            .ok()?;
        let iface = zbus::names::InterfaceName::try_from("org.kde.StatusNotifierItem").ok()?;
        proxy.get(iface, prop).await.ok()
    }

    /// A string property of the item, or "".
    pub async fn text(&self, item: &(String, String), prop: &str) -> String {
        match self.property(item, prop).await {
            Some(v) => String::try_from(v).unwrap_or_default(),
            None => String::new(),
        }
    }

    /// The item's menu: its entries, top level, in order.
    pub async fn menu(&self, item: &(String, String)) -> Vec<MenuEntry> {
        let Some(path) = self.property(item, "Menu").await else { return Vec::new() };
        let Ok(path) = OwnedObjectPath::try_from(path) else { return Vec::new() };
        let reply = self
            .conn
            .call_method(
                Some(item.0.as_str()),
                path.as_str(),
                Some("com.canonical.dbusmenu"),
                "GetLayout",
                &(0i32, 1i32, Vec::<String>::new()),
            )
            .await;
        let Ok(reply) = reply else { return Vec::new() };
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let Ok((_revision, (_id, _props, children))) = reply.body().deserialize::<(u32, Layout)>() else {
            return Vec::new();
        };
        children
            .into_iter()
            .filter_map(|child| {
                let (id, props, _): Layout = Value::from(child).downcast().ok()?;
                let label = props.get("label").and_then(|v| String::try_from(v.clone()).ok()).unwrap_or_default();
                let checked = props
                    .get("toggle-type")
                    .and_then(|v| String::try_from(v.clone()).ok())
                    .filter(|t| t == "checkmark")
                    .map(|_| props.get("toggle-state").and_then(|v| i32::try_from(v.clone()).ok()) == Some(1));
                Some(MenuEntry { id, label, checked })
            })
            .filter(|e| !e.label.is_empty())
            .collect()
    }

    /// Clicks the menu entry labelled `label`.
    pub async fn click(&self, item: &(String, String), label: &str) {
        let entries = self.menu(item).await;
        let entry = entries
            .iter()
            .find(|e| e.label.replace('_', "") == label)
            .unwrap_or_else(|| panic!("no tray menu entry {label:?} in {entries:?}"));
        let path = OwnedObjectPath::try_from(self.property(item, "Menu").await.expect("a menu")).expect("a path");
        let time = 0u32;
        self.conn
            .call_method(
                Some(item.0.as_str()),
                path.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(entry.id, "clicked", Value::from(0i32), time),
            )
            .await
            .expect("the menu takes the click");
    }
}
