//! One typed configuration, layered: defaults → TOML file → `COMPTOIR_*` environment →
//! command-line flags, later wins. Unknown keys are errors that name where they came from.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub const ENV_PREFIX: &str = "COMPTOIR_";
/// Read by the CLI itself (which file to load), so it is not a config key.
pub const ENV_CONFIG_FILE: &str = "COMPTOIR_CONFIG";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the web server listens on. Keep it on 127.0.0.1 unless a reverse proxy
    /// or firewall protects it.
    pub bind: String,
    /// Where the database, the encryption key and backups live.
    pub data_dir: PathBuf,
    /// The address people and providers reach this appliance at, e.g.
    /// `https://comptoir.example.com`. Unset: local use only, no webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// `error`, `warn`, `info`, `debug`, `trace`, or a filter such as `comptoir=debug,info`.
    pub log_level: String,
    pub security: Security,
    pub sync: Sync,
    pub shopify: Shopify,
    pub marketplaces: Marketplaces,
    pub llm: Llm,
    pub channels: Channels,
}

/// Marketplaces whose orders join the order book.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Marketplaces {
    /// Replaces Amazon's hosts (Login with Amazon and the Selling Partner API) for
    /// accounts connected from the pages (proxies, tests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amazon_api_url: Option<String>,
    /// Replaces https://api.ebay.com for accounts connected from the pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ebay_api_url: Option<String>,
    /// Replaces https://api.etsy.com for shops connected from the pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etsy_api_url: Option<String>,
    /// Replaces Octopia's hosts (auth.octopia-io.net and api.octopia-io.net) for
    /// Cdiscount accounts connected from the pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cdiscount_api_url: Option<String>,
}

/// Messaging providers. Keys set here win over what the Channels pages store (an admin
/// on a VPS keeps secrets in this file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Channels {
    pub twilio: TwilioChannel,
    pub resend: ResendChannel,
    pub webchat: WebchatChannel,
    /// Replies sent at once (each conversation's still go out in order).
    pub send_concurrency: u32,
}

impl Default for Channels {
    fn default() -> Self {
        Self {
            twilio: TwilioChannel::default(),
            resend: ResendChannel::default(),
            webchat: WebchatChannel::default(),
            send_concurrency: 8,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TwilioChannel {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_sid: Option<String>,
    /// Signs Twilio's webhooks and authenticates sends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<Secret>,
    /// The shop's SMS number, e.g. +33644630000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_from: Option<String>,
    /// The shop's WhatsApp sender, e.g. whatsapp:+33644630000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whatsapp_from: Option<String>,
    pub api_url: String,
}

impl Default for TwilioChannel {
    fn default() -> Self {
        Self {
            account_sid: None,
            auth_token: None,
            sms_from: None,
            whatsapp_from: None,
            api_url: "https://api.twilio.com".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResendChannel {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// The shop's sender, e.g. "Élégance Paris <bonjour@elegance-paris.com>".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The whsec_ secret that signs inbound e-mail webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<Secret>,
    pub api_url: String,
}

impl Default for ResendChannel {
    fn default() -> Self {
        Self {
            api_key: None,
            from: None,
            webhook_secret: None,
            api_url: "https://api.resend.com".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebchatChannel {
    /// Sites allowed to embed the chat widget, e.g. ["https://www.elegance-paris.com"].
    pub allowed_origins: Vec<String>,
    /// How long the widget remembers a visitor.
    pub cookie_ttl_days: u32,
}

impl Default for WebchatChannel {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            cookie_ttl_days: 30,
        }
    }
}

/// An optional language model, only for messages the rules cannot read and, if asked,
/// to rephrase grounded replies. Off by default: the rule engine works on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Llm {
    pub enabled: bool,
    /// An OpenAI-compatible chat completions endpoint (llama.cpp server, Ollama, …).
    pub url: String,
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// Longest wait for an answer; past it, the rule engine's reply is sent.
    pub timeout_ms: u32,
    /// Also rephrase replies (the facts in them are checked to be kept).
    pub rephrase: bool,
}

impl Default for Llm {
    fn default() -> Self {
        Self {
            enabled: false,
            url: "http://127.0.0.1:11434/v1/chat/completions".into(),
            model: "llama3.2".into(),
            api_key: None,
            timeout_ms: 4000,
            rephrase: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sync {
    /// Orders created within this many days are kept locally.
    pub orders_days: u32,
    /// A full sync (which also notices deletions) runs at least this often.
    pub full_sync_hours: u32,
    /// How often the poller looks for stores that are due.
    pub poll_seconds: u32,
    /// Longest wait for one call to a store platform.
    pub http_timeout_secs: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Shopify {
    /// Admin API version the queries are written for (YYYY-MM).
    pub api_version: String,
    /// Replaces `https://{shop}` for stores connected from the pages (proxies, tests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// A Shopify app's client id and secret: enables "Autoriser" (OAuth) on the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
}

impl Default for Sync {
    fn default() -> Self {
        Self {
            orders_days: 60,
            full_sync_hours: 24,
            poll_seconds: 5,
            http_timeout_secs: 30,
        }
    }
}

impl Default for Shopify {
    fn default() -> Self {
        Self {
            // The version the connector's queries are checked against (a test keeps
            // the two equal; config sits below the features, so it cannot import it).
            api_version: "2026-07".into(),
            api_url: None,
            client_id: None,
            client_secret: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    /// A login session ends after this many days without use.
    pub session_days: u32,
    /// Failed logins allowed for one account within the window before it is paused.
    pub login_attempts_per_account: u32,
    /// Failed logins allowed from one IP address within the window.
    pub login_attempts_per_ip: u32,
    pub login_window_minutes: u32,
    /// Set when a reverse proxy forwards requests: the client's address is then read
    /// from `X-Forwarded-For` (never set it otherwise: clients could pick any address to
    /// dodge the login limits).
    pub behind_proxy: bool,
    /// The proxies whose `X-Forwarded-For` entries are believed (addresses or ranges
    /// such as `10.0.0.0/8`). The client is the last entry not among them: entries
    /// further left were written by the client itself.
    pub trusted_proxies: Vec<String>,
}

impl Security {
    /// Whether `ip` is one of the trusted proxies (entries were checked at load).
    pub fn trusts(&self, ip: std::net::IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|range| ip_range(range).is_some_and(|(net, bits)| in_range(ip, net, bits)))
    }
}

/// `10.0.0.0/8` or a single address, as (network, prefix length).
pub fn ip_range(text: &str) -> Option<(std::net::IpAddr, u32)> {
    let (addr, bits) = match text.trim().split_once('/') {
        Some((addr, bits)) => (addr, Some(bits.parse::<u32>().ok()?)),
        None => (text.trim(), None),
    };
    let addr: std::net::IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((addr, bits))
}

pub fn in_range(ip: std::net::IpAddr, net: std::net::IpAddr, bits: u32) -> bool {
    use std::net::IpAddr::{V4, V6};
    let (ip, net, width) = match (ip.to_canonical(), net) {
        (V4(a), V4(b)) => (u128::from(a.to_bits()), u128::from(b.to_bits()), 32),
        (V6(a), V6(b)) => (a.to_bits(), b.to_bits(), 128),
        _ => return false,
    };
    let shift = width - bits;
    shift >= width || (ip >> shift) == (net >> shift)
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            public_url: None,
            log_level: "info".into(),
            security: Security::default(),
            sync: Sync::default(),
            shopify: Shopify::default(),
            marketplaces: Marketplaces::default(),
            llm: Llm::default(),
            channels: Channels::default(),
        }
    }
}

impl Default for Security {
    fn default() -> Self {
        Self {
            session_days: 30,
            login_attempts_per_account: 5,
            login_attempts_per_ip: 20,
            login_window_minutes: 15,
            behind_proxy: false,
            trusted_proxies: vec!["127.0.0.1".into(), "::1".into()],
        }
    }
}

impl Config {
    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.bind.parse().map_err(|_| ConfigError::Invalid {
            key: "bind".into(),
            message: format!(
                "`{}` is not an address with a port, such as 127.0.0.1:8080",
                self.bind
            ),
        })
    }

    /// Cookies get `Secure` only when people reach us over https.
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("comptoir.db")
    }

    /// The address to print and link to: `public_url`, else the bound address.
    pub fn base_url(&self, bound: SocketAddr) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let host = if bound.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else if bound.is_ipv6() {
            format!("[{}]", bound.ip())
        } else {
            bound.ip().to_string()
        };
        format!("http://{host}:{}", bound.port())
    }

    fn validate(mut self) -> Result<Self, ConfigError> {
        self.bind_addr()?;
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        if let Some(url) = self.public_url.take() {
            self.public_url = Some(normalise_public_url(&url)?);
        }
        if !valid_log_filter(&self.log_level) {
            return Err(invalid(
                "log_level",
                &format!(
                    "`{}` is not a log level; use error, warn, info, debug or trace",
                    self.log_level
                ),
            ));
        }
        let s = &self.security;
        for (key, value) in [
            ("security.session_days", s.session_days),
            (
                "security.login_attempts_per_account",
                s.login_attempts_per_account,
            ),
            ("security.login_attempts_per_ip", s.login_attempts_per_ip),
            ("security.login_window_minutes", s.login_window_minutes),
            ("sync.orders_days", self.sync.orders_days),
            ("sync.full_sync_hours", self.sync.full_sync_hours),
            ("sync.poll_seconds", self.sync.poll_seconds),
            ("sync.http_timeout_secs", self.sync.http_timeout_secs),
            ("llm.timeout_ms", self.llm.timeout_ms),
            ("channels.send_concurrency", self.channels.send_concurrency),
            (
                "channels.webchat.cookie_ttl_days",
                self.channels.webchat.cookie_ttl_days,
            ),
        ] {
            if value == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        if let Some(bad) = s.trusted_proxies.iter().find(|r| ip_range(r).is_none()) {
            return Err(invalid(
                "security.trusted_proxies",
                &format!("`{bad}` is not an address or a range such as 10.0.0.0/8"),
            ));
        }
        if self.llm.enabled
            && !(self.llm.url.starts_with("http://") || self.llm.url.starts_with("https://"))
        {
            return Err(invalid(
                "llm.url",
                &format!(
                    "`{}` is not an address such as http://127.0.0.1:11434/v1/chat/completions",
                    self.llm.url
                ),
            ));
        }
        for (key, url) in [
            ("channels.twilio.api_url", &self.channels.twilio.api_url),
            ("channels.resend.api_url", &self.channels.resend.api_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(invalid(
                    key,
                    &format!("`{url}` is not an address such as https://api.twilio.com"),
                ));
            }
        }
        if let Some(origin) = self.channels.webchat.allowed_origins.iter().find(|o| {
            !(o.starts_with("https://") || o.starts_with("http://"))
                || o.trim_end_matches('/').matches('/').count() > 2
        }) {
            return Err(invalid(
                "channels.webchat.allowed_origins",
                &format!(
                    "`{origin}` is not an origin such as https://www.example.com (scheme and host, no path)"
                ),
            ));
        }
        let v = &self.shopify.api_version;
        let shape_ok = v.len() == 7
            && v.as_bytes()[4] == b'-'
            && v.bytes()
                .enumerate()
                .all(|(i, b)| i == 4 || b.is_ascii_digit());
        if !shape_ok {
            return Err(invalid(
                "shopify.api_version",
                &format!("`{v}` is not an API version such as 2026-07"),
            ));
        }
        Ok(self)
    }
}

/// A level, or comma-separated `target=level` directives with at most one bare level.
fn valid_log_filter(filter: &str) -> bool {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let level_ok = |l: &str| LEVELS.contains(&l.trim().to_ascii_lowercase().as_str());
    !filter.trim().is_empty()
        && filter
            .split(',')
            .all(|directive| match directive.split_once('=') {
                Some((target, level)) => !target.trim().is_empty() && level_ok(level),
                None => level_ok(directive),
            })
        && tracing_subscriber::EnvFilter::try_new(filter).is_ok()
}

fn normalise_public_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split('/').next().unwrap_or(""));
    match host {
        Some(h)
            if !h.is_empty() && !url.contains(char::is_whitespace) && !url.contains(['?', '#']) =>
        {
            Ok(url.to_string())
        }
        _ => Err(invalid(
            "public_url",
            &format!("`{url}` is not an address such as https://comptoir.example.com"),
        )),
    }
}

fn invalid(key: &str, message: &str) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("in the config file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("in the environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("config key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub log_level: Option<String>,
}

/// Builds the effective configuration from its layers.
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    let defaults = defaults_table();
    let mut merged = defaults.clone();

    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file_error = |e: toml::de::Error| ConfigError::File {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        };
        // Parsing into the typed struct first gives messages with line numbers.
        toml::from_str::<Config>(&text).map_err(file_error)?;
        let table: toml::Table = toml::from_str(&text).map_err(file_error)?;
        merge(&mut merged, table);
    }

    let mut env: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX) && k != ENV_CONFIG_FILE)
        .collect();
    env.sort();
    for (var, raw) in env {
        let path: Vec<String> = var[ENV_PREFIX.len()..]
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        let env_error = |message: String| ConfigError::Env {
            var: var.clone(),
            message,
        };
        let value = typed_env_value(&defaults, &path, &raw).map_err(env_error)?;
        let layer = nest(&path, value);
        Config::deserialize(toml::Value::Table(layer.clone()))
            .map_err(|e| env_error(e.to_string().trim_end().to_string()))?;
        merge(&mut merged, layer);
    }

    let mut config =
        Config::deserialize(toml::Value::Table(merged)).map_err(|e| ConfigError::Invalid {
            key: "(combined)".into(),
            message: e.to_string(),
        })?;
    if let Some(dir) = &overrides.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(bind) = &overrides.bind {
        config.bind = bind.clone();
    }
    if let Some(level) = &overrides.log_level {
        config.log_level = level.clone();
    }
    config.validate()
}

fn defaults_table() -> toml::Table {
    toml::Table::try_from(Config::default()).unwrap_or_default()
}

fn merge(into: &mut toml::Table, from: toml::Table) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(incoming)) => {
                merge(existing, incoming)
            }
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

fn nest(path: &[String], value: toml::Value) -> toml::Table {
    let mut table = toml::Table::new();
    match path {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            table.insert(first.clone(), toml::Value::Table(nest(rest, value)));
        }
    }
    table
}

/// Environment values are text; give them the type the key has by default.
fn typed_env_value(
    defaults: &toml::Table,
    path: &[String],
    raw: &str,
) -> Result<toml::Value, String> {
    let mut current = Some(defaults);
    let mut found = None;
    for (i, key) in path.iter().enumerate() {
        let value = current.and_then(|t| t.get(key));
        if i + 1 == path.len() {
            found = value;
        } else {
            current = value.and_then(toml::Value::as_table);
        }
    }
    let raw_trimmed = raw.trim();
    match found {
        Some(toml::Value::Integer(_)) => raw_trimmed
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| format!("expected a whole number, got `{raw}`")),
        Some(toml::Value::Float(_)) => raw_trimmed
            .parse::<f64>()
            .map(toml::Value::Float)
            .map_err(|_| format!("expected a number, got `{raw}`")),
        Some(toml::Value::Boolean(_)) => match raw_trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(toml::Value::Boolean(true)),
            "false" | "0" | "no" | "off" => Ok(toml::Value::Boolean(false)),
            _ => Err(format!("expected true or false, got `{raw}`")),
        },
        Some(toml::Value::Array(_)) if raw_trimmed.starts_with('[') => {
            let parsed: toml::Table = toml::from_str(&format!("v = {raw_trimmed}"))
                .map_err(|_| format!("expected a list such as [\"a\", \"b\"], got `{raw}`"))?;
            Ok(parsed
                .get("v")
                .cloned()
                .unwrap_or(toml::Value::Array(vec![])))
        }
        Some(toml::Value::Array(_)) => Ok(toml::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| toml::Value::String(s.into()))
                .collect(),
        )),
        Some(toml::Value::Table(_)) => {
            Err("this is a section; set one of its keys instead, e.g. COMPTOIR_SECTION__KEY".into())
        }
        _ => Ok(toml::Value::String(raw.to_string())),
    }
}

/// A secret from the configuration: printed as `***`, and read from a file when
/// written as `file:/path/to/secret` (so it can live outside the config file).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn resolve(raw: String) -> Result<Self, String> {
        match raw.strip_prefix("file:") {
            Some(path) => std::fs::read_to_string(path)
                .map(|s| Self(s.trim_end_matches(['\r', '\n']).to_string()))
                .map_err(|e| format!("cannot read the secret file {path}: {e}")),
            None => Ok(Self(raw)),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Secret::resolve(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let mut s = Security::default();
        let ip = |t: &str| t.parse::<std::net::IpAddr>().unwrap();
        assert!(s.trusts(ip("127.0.0.1")) && s.trusts(ip("::1")));
        assert!(s.trusts(ip("::ffff:127.0.0.1")), "IPv4 seen through IPv6");
        assert!(!s.trusts(ip("127.0.0.2")));
        s.trusted_proxies = vec!["10.0.0.0/8".into(), "2001:db8::/32".into()];
        assert!(s.trusts(ip("10.200.3.4")) && !s.trusts(ip("11.0.0.1")));
        assert!(s.trusts(ip("2001:db8:1::7")) && !s.trusts(ip("2001:db9::1")));
        s.trusted_proxies = vec!["0.0.0.0/0".into()];
        assert!(s.trusts(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0/8", ""] {
            assert!(ip_range(bad).is_none(), "{bad}");
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("comptoir.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn defaults_without_layers() {
        let c = load(None, env(&[]), &Overrides::default()).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.public_url.is_none());
    }

    #[test]
    fn layers_apply_in_order_later_wins() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            &dir,
            "bind = \"127.0.0.1:9001\"\nlog_level = \"debug\"\n[security]\nsession_days = 7\nlogin_window_minutes = 3\n",
        );
        let vars = env(&[
            ("COMPTOIR_LOG_LEVEL", "warn"),
            ("COMPTOIR_SECURITY__SESSION_DAYS", "9"),
            ("PATH", "/usr/bin"),
        ]);
        let flags = Overrides {
            log_level: Some("error".into()),
            ..Default::default()
        };
        let c = load(Some(&file), vars, &flags).unwrap();
        assert_eq!(c.bind, "127.0.0.1:9001", "file beats default");
        assert_eq!(c.security.login_window_minutes, 3, "file beats default");
        assert_eq!(c.security.session_days, 9, "env beats file");
        assert_eq!(c.log_level, "error", "flag beats env");
        assert_eq!(c.security.login_attempts_per_ip, 20, "untouched default");
    }

    #[test]
    fn unknown_keys_are_named_with_their_source() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "[security]\nsesion_days = 7\n");
        let err = load(Some(&file), env(&[]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("sesion_days"), "{err}");
        assert!(err.contains("comptoir.toml"), "{err}");
        assert!(err.contains("line 2"), "{err}");

        let err = load(None, env(&[("COMPTOIR_BINDD", "x")]), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("COMPTOIR_BINDD"), "{err}");
        assert!(err.contains("bindd"), "{err}");
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("COMPTOIR_BIND", "localhost")], "not an address"),
            (
                &[("COMPTOIR_PUBLIC_URL", "comptoir.example.com")],
                "https://",
            ),
            (&[("COMPTOIR_LOG_LEVEL", "loud")], "not a log level"),
            (
                &[("COMPTOIR_LOG_LEVEL", "comptoir=loud")],
                "not a log level",
            ),
            (
                &[("COMPTOIR_SECURITY__SESSION_DAYS", "soon")],
                "expected a whole number",
            ),
            (&[("COMPTOIR_SECURITY__SESSION_DAYS", "0")], "at least 1"),
            (&[("COMPTOIR_SECURITY", "1")], "section"),
        ];
        for (vars, expected) in cases {
            let err = load(None, env(vars), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{vars:?}: {err}");
        }
    }

    #[test]
    fn public_url_is_normalised() {
        let c = load(
            None,
            env(&[("COMPTOIR_PUBLIC_URL", "https://shop.example.com/")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://shop.example.com"));
        assert!(c.is_https());
    }

    #[test]
    fn secrets_hide_in_debug_and_read_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "s3cret\n").unwrap();
        let secret: Secret = serde_json::from_str(&format!("\"file:{}\"", path.display())).unwrap();
        assert_eq!(secret.expose(), "s3cret");
        assert_eq!(format!("{secret:?}"), "***");
        let missing = serde_json::from_str::<Secret>("\"file:/nonexistent/x\"").unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/x"));
    }

    /// config.example.toml documents every key with its default, and nothing else.
    #[test]
    fn default_shopify_version_is_the_connectors() {
        assert_eq!(
            Shopify::default().api_version,
            crate::stores::shopify::API_VERSION
        );
    }

    #[test]
    fn example_config_is_in_sync() {
        let text = include_str!("../config.example.toml");
        let as_is: Config = toml::from_str(text).expect("example parses");
        assert_eq!(
            as_is,
            Config::default(),
            "example values must be the defaults"
        );

        // Commented-out assignments document optional keys; they must be real keys too.
        let uncommented: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") && !rest.starts_with(' ') => rest,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let full: toml::Table = toml::from_str(&uncommented).expect("uncommented example parses");
        toml::from_str::<Config>(&uncommented).expect("every documented key exists");

        fn keys(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
            for (k, v) in t {
                let name = format!("{prefix}{k}");
                match v {
                    toml::Value::Table(inner) => keys(&format!("{name}."), inner, out),
                    _ => out.push(name),
                }
            }
        }
        let (mut documented, mut known) = (vec![], vec![]);
        keys("", &full, &mut documented);
        keys("", &defaults_table(), &mut known);
        for key in known {
            assert!(
                documented.contains(&key),
                "{key} missing from config.example.toml"
            );
        }
        assert!(documented.contains(&"public_url".to_string()));
    }
}
