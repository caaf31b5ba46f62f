//! Test harness: the real server on 127.0.0.1:0 with a temp data dir, a cookie-keeping
//! HTTP client, and a runner for the real `comptoir` binary.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;

use comptoir::clock::ManualClock;
use comptoir::config::Config;

pub const OWNER_EMAIL: &str = "owner@elegance.test";
pub const OWNER_PASSWORD: &str = "rivoli-24-paris";

pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
    pub clock: Arc<ManualClock>,
    _tmp: Option<tempfile::TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

pub fn start_time() -> jiff::Timestamp {
    "2026-11-12T09:00:00Z".parse().unwrap()
}

impl TestApp {
    pub fn spawn() -> Self {
        Self::spawn_with(|_| {})
    }

    pub fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let mut app = Self::spawn_in(&dir, tweak);
        app._tmp = Some(tmp);
        app
    }

    /// Starts a server on an existing data dir (to test restarts).
    pub fn spawn_in(dir: &Path, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            data_dir: dir.to_path_buf(),
            ..Config::default()
        };
        config.log_level = "warn".into();
        tweak(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let clock = ManualClock::new(start_time());
        let services = comptoir::Services {
            clock: clock.clone(),
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new()
                .block_on(comptoir::run_with(
                    config,
                    listener,
                    async {
                        let _ = rx.await;
                    },
                    services,
                ))
                .map_err(|e| e.to_string())
        });
        let app = TestApp {
            base,
            data_dir: dir.to_path_buf(),
            clock,
            _tmp: None,
            stop: Some(tx),
            thread: Some(thread),
        };
        app.wait_ready();
        app
    }

    fn wait_ready(&self) {
        // The listener is bound before the thread starts, so connections queue until the
        // server accepts; one request is enough to know it serves.
        let status = self.client().get("/healthz").status;
        assert_eq!(status, 200, "server did not come up");
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Stops the server gracefully and returns how `run` ended.
    pub fn stop(mut self) -> Result<(), String> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), String> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err("server thread panicked".into())),
            None => Ok(()),
        }
    }

    /// First-run setup through the form; returns the owner's logged-in client.
    pub fn setup_owner(&self) -> Client {
        let c = self.client();
        let page = c.get("/setup");
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = page.csrf();
        let r = c.post(
            "/setup",
            &[
                ("_csrf", csrf.as_str()),
                ("email", OWNER_EMAIL),
                ("password", OWNER_PASSWORD),
                ("business_name", "Élégance Paris"),
                ("business_type", "ecommerce"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        c
    }

    /// Logs in with a fresh client.
    pub fn login(&self, email: &str, password: &str) -> Client {
        let c = self.client();
        let r = c.login(email, password);
        assert_eq!(r.status, 303, "login of {email} failed: {}", r.body);
        c
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

pub struct Client {
    agent: ureq::Agent,
    base: String,
}

pub struct Resp {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    /// The CSRF token embedded in the page's forms.
    pub fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF field in page: {}", self.body))
            + marker.len();
        self.body[start..start + 64].to_string()
    }
}

impl Client {
    pub fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            // A fresh connection per request: reusing one the server is closing (actix's
            // keep-alive) fails with "peer disconnected" when the machine is busy, and
            // reuse is not what these tests are about.
            .max_idle_connections(0)
            .build()
            .into();
        Self {
            agent,
            base: base.to_string(),
        }
    }

    fn read(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
        let mut resp = result.expect("HTTP request failed");
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        Resp {
            status: resp.status().as_u16(),
            body: resp.body_mut().read_to_string().unwrap_or_default(),
            headers,
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        Self::read(self.agent.get(format!("{}{path}", self.base)).call())
    }

    pub fn get_with(&self, path: &str, header: (&str, &str)) -> Resp {
        Self::read(
            self.agent
                .get(format!("{}{path}", self.base))
                .header(header.0, header.1)
                .call(),
        )
    }

    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        Self::read(
            self.agent
                .post(format!("{}{path}", self.base))
                .send_form(form.iter().copied()),
        )
    }

    /// A form POST with one extra header.
    pub fn post_with(&self, path: &str, form: &[(&str, &str)], header: (&str, &str)) -> Resp {
        Self::read(
            self.agent
                .post(format!("{}{path}", self.base))
                .header(header.0, header.1)
                .send_form(form.iter().copied()),
        )
    }

    /// A JSON POST with extra headers (webhooks).
    pub fn post_signed(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        Self::read(request.send(body))
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Resp {
        Self::read(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("content-type", content_type)
                .send(body),
        )
    }

    /// Posts a multipart form: (name, file name if a file, content). The CSRF token of
    /// `page` is added.
    pub fn post_multipart(
        &self,
        page: &str,
        action: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> Resp {
        let csrf = self.get(page).csrf();
        self.post_multipart_with(&csrf, action, parts)
    }

    /// A multipart post carrying the given CSRF token.
    pub fn post_multipart_with(
        &self,
        csrf: &str,
        action: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> Resp {
        let boundary = "----comptoir-test-boundary-7d1f";
        let mut body = Vec::new();
        let mut all: Vec<(&str, Option<&str>, &[u8])> = vec![("_csrf", None, csrf.as_bytes())];
        all.extend_from_slice(parts);
        for (name, file, content) in all {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match file {
                Some(f) => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
                ),
                None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Self::read(
            self.agent
                .post(format!("{}{action}", self.base))
                .header(
                    "content-type",
                    &format!("multipart/form-data; boundary={boundary}"),
                )
                .send(&body[..]),
        )
    }

    /// Posts a form from the page at `page`, with that page's CSRF token.
    pub fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.get(page).csrf();
        let mut form = vec![("_csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post(action, &form)
    }

    pub fn login(&self, email: &str, password: &str) -> Resp {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
    }

    /// Opens an event stream with this client's session; events arrive on the
    /// returned channel as (event name, data), read by a background thread.
    pub fn events(&self, path: &str) -> std::sync::mpsc::Receiver<(String, String)> {
        use std::io::BufRead;
        let response = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .expect("event stream");
        assert_eq!(response.status().as_u16(), 200);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let lines = std::io::BufReader::new(response.into_body().into_reader()).lines();
            let (mut event, mut data) = (String::new(), String::new());
            for line in lines {
                let Ok(line) = line else { return };
                if let Some(e) = line.strip_prefix("event: ") {
                    event = e.to_string();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data = d.to_string();
                } else if line.is_empty()
                    && !event.is_empty()
                    && tx
                        .send((std::mem::take(&mut event), std::mem::take(&mut data)))
                        .is_err()
                {
                    return;
                }
            }
        });
        rx
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let jar = self.agent.cookie_jar_lock();
        let value = jar
            .iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_string());
        jar.release();
        value
    }
}

/// Runs the real binary with a clean `COMPTOIR_*` environment.
pub fn cli(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_comptoir"));
    cmd.args(args)
        .env_remove("COMPTOIR_CONFIG")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("COMPTOIR_") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("spawn comptoir");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().unwrap();
        // A command refused before it reads its input (bad usage) closes the pipe early.
        if let Err(e) = pipe.write_all(input.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    child.wait_with_output().unwrap()
}

/// Form fields as (name, value) pairs.
pub type Fields<'a> = &'a [(&'a str, &'a str)];

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Opens the database in `dir` and gives it the demo shop (catalogue, profile, the
/// assistant's settings), dated as of the test clock.
pub fn demo_database(dir: &Path) -> comptoir::db::Pool {
    let pool = comptoir::db::open(dir).unwrap();
    comptoir::demo::seed_shop(
        &mut pool.get().unwrap(),
        &comptoir::config::Config::default(),
        start_time(),
        true,
    )
    .unwrap();
    pool
}

/// Polls `done` until it holds or `within` has passed, and says whether it held. Tests
/// wait for the event the appliance reaches in the background, never for a duration.
pub fn poll_until(within: std::time::Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + within;
    loop {
        if done() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Waits (at most 10 s) for `done`; fails naming `what`.
pub fn wait_until(what: &str, done: impl FnMut() -> bool) {
    assert!(
        poll_until(std::time::Duration::from_secs(10), done),
        "still waiting: {what}"
    );
}

/// The real `comptoir serve` as its own process (to be killed), with `args` before the
/// command (`--config`, `--data-dir`), on a free port, once `/healthz` answers; and its
/// base URL.
pub fn serve_process(args: &[&str]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_comptoir"));
    command
        .args(args)
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--log-level",
            "error",
            "serve",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("COMPTOIR_")) {
        command.env_remove(key);
    }
    let child = command.spawn().unwrap();
    let agent = ureq::Agent::new_with_defaults();
    let up = poll_until(std::time::Duration::from_secs(30), || {
        agent.get(&format!("{base}/healthz")).call().is_ok()
    });
    assert!(up, "comptoir did not start with {args:?}");
    (child, base)
}

/// The shop's site, allowed to post to the web chat in tests that enable it.
pub const WIDGET_ORIGIN: &str = "https://www.elegance-paris.test";

/// A web chat visitor's message, posted as the widget does; the bot's reply (or null).
pub fn widget_says(app: &TestApp, visitor: &str, text: &str) -> String {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(&format!("{}/widget/messages", app.base))
        .header("Origin", WIDGET_ORIGIN)
        .send_json(serde_json::json!({"visitor": visitor, "text": text, "id": format!("w{id}")}))
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.body_mut().read_json().unwrap();
    v["reply"].as_str().unwrap_or("").to_string()
}
