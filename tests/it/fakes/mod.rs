//! Fakes of external APIs, served over real HTTP on 127.0.0.1:0, following the real
//! contracts (auth, pagination, throttling, error bodies).

pub mod amazon;
pub mod ebay;
pub mod etsy;
pub mod mirakl;
pub mod octopia;
pub mod prestashop;
pub mod resend;
pub mod shopify;
pub mod swagger;
pub mod twilio;
pub mod woocommerce;

use std::net::TcpListener;
use std::thread::JoinHandle;

/// A demo data file, as JSON.
pub fn demo(name: &str) -> serde_json::Value {
    let path = format!("{}/assets/demo/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The demo stock at the shop (Boutique Paris) per inventory item: what a platform with
/// one quantity per item (WooCommerce, PrestaShop) would hold.
pub fn demo_shop_stock() -> impl Fn(&serde_json::Value) -> i64 {
    let levels = demo("inventory_levels.json")["inventory_levels"]
        .as_array()
        .unwrap()
        .clone();
    move |item| {
        levels
            .iter()
            .find(|l| {
                &l["inventory_item_id"] == item && l["location_id"] == serde_json::json!(61001)
            })
            .map_or(0, |l| l["available"].as_i64().unwrap())
    }
}

/// The demo orders with their dates moved so the newest is from yesterday.
pub fn recent_demo_orders() -> Vec<serde_json::Value> {
    let mut orders = demo("orders.json")["orders"].as_array().unwrap().clone();
    let parse = |v: &serde_json::Value| v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    let newest = orders
        .iter()
        .map(|o| parse(&o["created_at"]))
        .max()
        .unwrap();
    let shift = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24) - newest;
    for o in &mut orders {
        for key in ["created_at", "updated_at"] {
            let moved = parse(&o[key]) + shift;
            o[key] = serde_json::json!(moved.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
    }
    orders
}

/// An actix server on its own thread, stopped when dropped.
pub struct Served {
    pub base: String,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl Served {
    pub fn start<F>(factory: F) -> Self
    where
        F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = actix_web::HttpServer::new(move || {
                    actix_web::App::new().configure(factory.clone())
                })
                .workers(1)
                .disable_signals()
                .listen(listener)
                .unwrap()
                .run();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            })
        });
        let handle = rx.recv().unwrap();
        Served {
            base,
            handle,
            thread: Some(thread),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ =
            std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false)))
                .join();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
