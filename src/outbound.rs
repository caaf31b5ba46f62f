//! The one HTTP agent for outbound calls (store platforms, message providers), built
//! once at start-up and shared.

use std::time::Duration;

use crate::config::Config;

/// Bounded timeouts (`[sync] http_timeout_secs`), our User-Agent, and status codes as
/// values, so each caller maps a refusal to its own message.
pub fn agent(config: &Config) -> ureq::Agent {
    let timeout = Duration::from_secs(u64::from(config.sync.http_timeout_secs));
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10).min(timeout)))
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(format!(
            "Comptoir/{} (+self-hosted shop assistant)",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .into()
}
