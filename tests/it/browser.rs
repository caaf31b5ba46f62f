//! Pages in a real browser: Debian's Chromium driven through ChromeDriver over the W3C
//! WebDriver protocol (plain HTTP, no client library). `.ci/run` installs both and sets
//! `BROWSER_TESTS=1` (not a `COMPTOIR_` variable: those are configuration), which makes
//! a missing browser a failure; elsewhere the
//! browser tests are skipped with a notice when ChromeDriver is not installed, so
//! `cargo test` works on a machine with Rust alone.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a5e6-4e08-9fcb-62d4af9f0b43";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

/// Set to 1 where the browser tests must run (CI).
const REQUIRED: &str = "BROWSER_TESTS";

impl Browser {
    /// A headless Chromium, or `None` (with a notice) where none is installed and the
    /// browser tests are not required.
    pub fn start_or_skip() -> Option<Browser> {
        let installed = Command::new("chromedriver")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed && std::env::var(REQUIRED).as_deref() != Ok("1") {
            eprintln!(
                "browser test skipped: chromedriver is not installed \
                 (sudo apt install chromium chromium-driver; {REQUIRED}=1 makes this a failure)"
            );
            return None;
        }
        Some(Browser::start())
    }

    /// A headless Chromium with a fresh profile.
    pub fn start() -> Browser {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (apt install chromium chromium-driver)");
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let started = Instant::now();
        while agent.get(&format!("{base}/status")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            agent,
        };
        let answer = browser.call("POST", "/session", Some(caps));
        browser.session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let mut response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, Some(b)) => self.agent.post(&url).send_json(&b),
            (_, None) => self.agent.post(&url).send_json(json!({})),
        }
        .unwrap();
        let value: Value = response.body_mut().read_json().unwrap();
        value["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.call(method, &path, body)
    }

    pub fn open(&self, url: &str) {
        self.session_call("POST", "/url", Some(json!({"url": url})));
    }

    /// The element `css` selects, waiting up to 10 s for it to appear.
    pub fn find(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            let v = self.session_call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            );
            // The W3C element reference: {"element-6066-…": id}.
            if let Some(id) = v
                .as_object()
                .and_then(|o| o.get(ELEMENT).or(o.values().next()))
                .and_then(Value::as_str)
                && v.get("error").is_none()
            {
                return id.to_string();
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no element {css} on {}",
                self.source()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn fill(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.session_call("POST", &format!("/element/{id}/clear"), None);
        self.session_call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.session_call("POST", &format!("/element/{id}/click"), None);
    }

    /// An element inside the shadow root of the element `host` selects.
    pub fn find_in_shadow(&self, host: &str, css: &str) -> String {
        let started = Instant::now();
        loop {
            let host_id = self.find(host);
            let shadow = self.session_call("GET", &format!("/element/{host_id}/shadow"), None);
            let shadow_id = shadow
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
                .map(str::to_string);
            if let Some(shadow_id) = shadow_id {
                let v = self.session_call(
                    "POST",
                    &format!("/shadow/{shadow_id}/element"),
                    Some(json!({"using": "css selector", "value": css})),
                );
                if v.get("error").is_none()
                    && let Some(id) = v
                        .as_object()
                        .and_then(|o| o.values().next())
                        .and_then(Value::as_str)
                {
                    return id.to_string();
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no {css} in the shadow of {host}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn click_element(&self, id: &str) {
        self.session_call("POST", &format!("/element/{id}/click"), None);
    }

    pub fn type_into(&self, id: &str, text: &str) {
        self.session_call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        );
    }

    /// The text inside the shadow root of the element `host` selects.
    pub fn shadow_text(&self, host: &str) -> String {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": "var h = document.querySelector(arguments[0]); return h && h.shadowRoot ? h.shadowRoot.textContent : '';", "args": [host]})),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Waits up to 10 s for the shadow root of `host` to contain `text`.
    pub fn wait_for_shadow_text(&self, host: &str, text: &str) {
        let started = Instant::now();
        while !self.shadow_text(host).contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no {text:?} in the widget: {}",
                self.shadow_text(host)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn source(&self) -> String {
        self.session_call("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits up to 10 s for the page to contain `text`.
    pub fn wait_for_text(&self, text: &str) {
        let started = Instant::now();
        while !self.source().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no {text:?} in {}",
                self.source()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .agent
                .delete(&format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// Saves a PNG of the page as a test artefact, in `target/screenshots/`.
    pub fn screenshot(&self, name: &str) {
        use base64::Engine as _;
        let v = self.session_call("GET", "/screenshot", None);
        let Some(data) = v.as_str() else { return };
        let Ok(png) = base64::engine::general_purpose::STANDARD.decode(data) else {
            return;
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }

    /// Logs in on the app at `base` as the shop's owner and waits for the app's frame.
    pub fn login_owner(&self, base: &str) {
        self.open(&format!("{base}/login"));
        self.fill("input[name=email]", crate::common::OWNER_EMAIL);
        self.fill("input[name=password]", crate::common::OWNER_PASSWORD);
        self.click("form button[type=submit]");
        self.wait_for_text("Se déconnecter");
    }

    /// Runs `script` in the page (W3C "execute sync"); its return value.
    pub fn script(&self, script: &str, args: Value) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Emulates a screen `width` CSS pixels wide (a phone when narrow), as Chromium's
    /// device mode does.
    pub fn set_width(&self, width: u32) {
        let mobile = width < 600;
        self.session_call(
            "POST",
            "/goog/cdp/execute",
            Some(
                json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                    "width": width, "height": if mobile { 844 } else { 900 },
                    "deviceScaleFactor": 1, "mobile": mobile
                }}),
            ),
        );
    }

    /// The address of the page shown.
    pub fn url(&self) -> String {
        self.session_call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}
