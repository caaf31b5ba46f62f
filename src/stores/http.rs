//! How store platforms' HTTP answers are read and map to sync failures.

use std::time::Duration;

use crate::stores::connector::SyncError;

/// A platform's answer, read whole: status, the headers we use, body text.
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// WooCommerce's page count.
    pub total_pages: Option<u32>,
    /// Amazon's usage plan for the operation, in requests per second.
    pub rate_limit: Option<f64>,
    pub text: String,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Reads an answer (or classifies why there is none) from a call to `what`.
pub fn read(
    what: &str,
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Answer, SyncError> {
    let mut response = sent.map_err(|e| transport_error(what, &e))?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (retry_after, total_pages, rate_limit) = (
        header("retry-after"),
        header("x-wp-totalpages").and_then(|p| p.trim().parse().ok()),
        header("x-amzn-ratelimit-limit").and_then(|p| p.trim().parse().ok()),
    );
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| transport_error(what, &e))?;
    Ok(Answer {
        status,
        retry_after,
        total_pages,
        rate_limit,
        text,
    })
}

/// An OAuth token endpoint's answer: the grant, when given. A refusal (400, 401) is
/// `refused` said with the platform's own words (it asks to reconnect); other statuses
/// are classified as any call's.
pub fn grant<T: serde::de::DeserializeOwned>(
    what: &str,
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    refused: impl FnOnce(&str) -> String,
) -> Result<T, SyncError> {
    let answer = read(what, sent)?;
    if matches!(answer.status, 400 | 401) {
        return Err(SyncError::abort(refused(&error_words(&answer.text))));
    }
    if !answer.ok() {
        return Err(status_error(
            what,
            answer.status,
            answer.retry_after.as_deref(),
            &answer.text,
        ));
    }
    serde_json::from_str(&answer.text).map_err(|_| {
        SyncError::retry(format!(
            "{what} a envoyé un jeton illisible (JSON invalide)."
        ))
    })
}

/// What an error body says: OAuth's `error_description` (RFC 6749), eBay's first
/// error, a problem's `detail` or `title` (RFC 9457), or the bare `error`.
pub fn error_words(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    [
        "/error_description",
        "/errors/0/message",
        "/detail",
        "/title",
        "/error",
    ]
    .iter()
    .find_map(|p| {
        v.pointer(p)
            .and_then(|w| w.as_str())
            .filter(|w| !w.is_empty())
    })
    .map_or_else(|| "refus".to_string(), str::to_string)
}

/// Waits out a 429: as long as the platform says (Retry-After), else twice the last
/// wait, at most `cap`; through the clock, so tests and benchmarks simulate it.
pub fn wait_out(
    clock: &crate::clock::SharedClock,
    retry_after_header: Option<&str>,
    wait: &mut Duration,
    cap: Duration,
) {
    *wait = retry_after(retry_after_header)
        .unwrap_or(*wait * 2)
        .min(cap);
    clock.sleep(*wait);
}

/// Still throttled after every try: the run is retried later.
pub fn slowed_down(what: &str, wait: Duration) -> SyncError {
    SyncError::Retry {
        message: format!("{what} demande de ralentir : la synchronisation reprendra plus tard."),
        after: Some(wait),
    }
}

/// `Retry-After` as seconds (the form platforms send); dates are ignored.
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Classifies a non-success status. `what` names the platform for people.
pub fn status_error(
    what: &str,
    status: u16,
    retry_after_header: Option<&str>,
    body: &str,
) -> SyncError {
    let detail = body_excerpt(body);
    match status {
        401 | 403 => SyncError::abort(format!(
            "{what} refuse l'accès ({status}) : la clé ou le jeton n'est plus valable. Reconnectez la boutique. {detail}"
        )),
        402 | 423 => SyncError::abort(format!(
            "{what} indique que la boutique est suspendue ou verrouillée ({status}). {detail}"
        )),
        404 => SyncError::abort(format!(
            "{what} ne trouve pas cette boutique (404) : vérifiez l'adresse. {detail}"
        )),
        429 => SyncError::Retry {
            message: format!("{what} demande de ralentir (429)."),
            after: retry_after(retry_after_header),
        },
        500..=599 => SyncError::Retry {
            message: format!("{what} est momentanément indisponible ({status})."),
            after: retry_after(retry_after_header),
        },
        _ => SyncError::retry(format!(
            "{what} a répondu {status} de façon inattendue. {detail}"
        )),
    }
}

pub fn transport_error(what: &str, error: &ureq::Error) -> SyncError {
    // People get a reason in words; the library's own text goes to the log.
    tracing::warn!(%error, "{what}: no answer");
    let reason = match error {
        ureq::Error::Timeout(_) => "délai dépassé",
        ureq::Error::HostNotFound => "adresse introuvable",
        ureq::Error::ConnectionFailed => "connexion impossible",
        ureq::Error::Io(_) => "la connexion a été coupée",
        _ => "erreur de connexion",
    };
    SyncError::retry(format!("{what} ne répond pas : {reason}."))
}

/// The start of an error body, on one line, without anything that looks like a secret.
fn body_excerpt(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = one_line.chars().take(200).collect();
    if short.is_empty() {
        String::new()
    } else {
        format!("Réponse : {short}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert!(matches!(
            status_error("Shopify", 401, None, ""),
            SyncError::Abort { .. }
        ));
        assert!(matches!(
            status_error("Shopify", 404, None, ""),
            SyncError::Abort { .. }
        ));
        assert_eq!(
            status_error("Shopify", 429, Some("7"), ""),
            SyncError::Retry {
                message: "Shopify demande de ralentir (429).".into(),
                after: Some(Duration::from_secs(7))
            }
        );
        assert!(matches!(
            status_error("Shopify", 503, None, ""),
            SyncError::Retry { after: None, .. }
        ));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }

    #[test]
    fn error_bodies_are_read_in_the_platforms_words() {
        let cases = [
            (
                r#"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#,
                "Invalid refresh token",
            ),
            (
                r#"{"errors":[{"errorId":1001,"message":"Invalid access token"}]}"#,
                "Invalid access token",
            ),
            (
                r#"{"type":"about:blank","title":"Forbidden","detail":"Not this seller."}"#,
                "Not this seller.",
            ),
            (r#"{"error":"invalid_token"}"#, "invalid_token"),
            ("<html>Bad gateway</html>", "refus"),
        ];
        for (body, words) in cases {
            assert_eq!(error_words(body), words, "{body}");
        }
    }
}

/// An OAuth access token and when it ends. It counts as gone five minutes early: our
/// clock and the platform's may differ by that much.
#[derive(Default)]
pub struct TokenCache(Option<(String, jiff::Timestamp)>);

impl TokenCache {
    /// The token, while it is good for five more minutes.
    pub fn fresh(&self, now: jiff::Timestamp) -> Option<String> {
        self.0
            .as_ref()
            .filter(|(_, until)| *until > now + jiff::SignedDuration::from_mins(5))
            .map(|(token, _)| token.clone())
    }

    /// Keeps a token that lasts `expires_in` seconds (`default` when the platform did not
    /// say), between a minute and a day.
    pub fn keep(&mut self, token: &str, expires_in: i64, default: i64, now: jiff::Timestamp) {
        let life = if expires_in > 0 { expires_in } else { default };
        self.0 = Some((
            token.to_string(),
            now + jiff::SignedDuration::from_secs(life.clamp(60, 86_400)),
        ));
    }
}
